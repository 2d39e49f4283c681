#include "app/app.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "app/admin_commands.hpp"
#include "app/admin_listener.hpp"
#include "app/content_commands.hpp"
#include "app/content_snapshots.hpp"
#include "app/data_commands.hpp"
#include "app/directory_commands.hpp"
#include "app/maintenance_commands.hpp"
#include "app/menu_files.hpp"
#include "app/outbound_routes.hpp"
#include "app/outbox_commands.hpp"
#include "app/sms_routes.hpp"
#include "app/ussd_route.hpp"
#include "common/logging.hpp"
#include "common/metrics_text.hpp"
#include "config/config.hpp"
#include "directory/directory_files.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/async_write.hpp"
#include "storage/database.hpp"
#include "storage/directory_store.hpp"
#include "storage/menu_store.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/storage_writer.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::app {

namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using http::HttpRequest;
using http::HttpResponse;
using http::Method;
using http::RequestContext;

constexpr std::string_view kDefaultConfigPath = "config/ventanilla.toml";

storage::Synchronous to_storage(config::Synchronous s) {
  switch (s) {
    case config::Synchronous::kOff:
      return storage::Synchronous::kOff;
    case config::Synchronous::kNormal:
      return storage::Synchronous::kNormal;
    case config::Synchronous::kFull:
      return storage::Synchronous::kFull;
    case config::Synchronous::kExtra:
      return storage::Synchronous::kExtra;
  }
  return storage::Synchronous::kFull;
}

// Every connection costs a descriptor; so do SQLite's files, the epoll set and the log. Capping
// connections below RLIMIT_NOFILE (minus what is open now and a margin for later needs) means an
// overload is answered with a 503 instead of ending in EMFILE, where nothing can be answered.
std::uint32_t descriptor_bound_connections(std::uint32_t configured, spdlog::logger& log) {
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur == RLIM_INFINITY) {
    return configured;
  }
  std::uint64_t open_now = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++open_now;
  }
  constexpr std::uint64_t kMargin = 32;
  const std::uint64_t limit = nofile.rlim_cur;
  const std::uint64_t available = limit > open_now + kMargin ? limit - open_now - kMargin : 1;
  if (available >= configured) return configured;
  log.warn(
      "limits.max_connections {} capped to {} by the descriptor limit (RLIMIT_NOFILE {}); "
      "raise LimitNOFILE to allow more",
      configured, available, limit);
  return static_cast<std::uint32_t>(available);
}

http::ServerLimits server_limits(const config::Config& c) {
  const auto& l = c.limits;
  http::ServerLimits s;
  s.max_header_bytes = l.max_header_bytes;
  s.max_header_count = l.max_header_count;
  s.max_url_bytes = l.max_url_bytes;
  s.max_body_bytes = l.max_body_bytes;
  s.header_timeout = std::chrono::milliseconds(l.header_timeout_ms);
  s.body_timeout = std::chrono::milliseconds(l.body_timeout_ms);
  s.idle_timeout = std::chrono::milliseconds(l.idle_timeout_ms);
  s.write_timeout = std::chrono::milliseconds(l.write_timeout_ms);
  s.handler_timeout = std::chrono::milliseconds(l.handler_timeout_ms);
  s.max_connections = l.max_connections;
  s.max_inflight = l.max_inflight;
  s.shed_admin_at_percent = l.shed_admin_at_percent;
  s.shed_sms_at_percent = l.shed_sms_at_percent;
  s.retry_after_s = l.retry_after_s;
  s.access_log = c.log.access_log;
  return s;
}

// Opens the database, refuses anything but WAL, applies migrations, logs the effective pragmas.
Result<storage::Database> open_database(const config::StorageConfig& cfg, spdlog::logger& log) {
  auto db = storage::Database::open(cfg.path, open_options(cfg));
  if (!db) return db.error();
  auto report = storage::apply_migrations(*db, storage::embedded_migrations());
  if (!report) return report.error();
  if (!report->applied.empty()) {
    log.info("applied {} migration(s) to {}, now at version {}", report->applied.size(), cfg.path,
             report->applied.back());
  }
  log.info("storage {}: {}", cfg.path, db->effective_pragmas().describe());
  return std::move(*db);
}

// What /readyz reports. The database check costs a BEGIN IMMEDIATE/COMMIT round trip through the
// writer, so its result is reused for a second: a probe every few hundred ms stays cheap.
struct Readiness {
  std::atomic<bool> content_loaded{false};
  std::atomic<std::int64_t> checked_at_ms{-1'000'000};
  std::atomic<bool> database_ok{false};
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

struct StorageMetrics {
  http::Histogram commit_latency;
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> committed_jobs{0};
};

void render_storage_metrics(std::string& out, const StorageMetrics& m,
                            const storage::WriterStats& stats) {
  out += "# HELP ventanilla_storage_commit_duration_seconds Time one group COMMIT took.\n";
  out += "# TYPE ventanilla_storage_commit_duration_seconds histogram\n";
  m.commit_latency.render(out, "ventanilla_storage_commit_duration_seconds", "");
  metrics_text::append_counter(out, "ventanilla_storage_committed_jobs_total",
                               "Write jobs committed.", stats.jobs_committed);
  metrics_text::append_counter(out, "ventanilla_storage_failed_jobs_total",
                               "Write jobs that completed with an error.", stats.jobs_failed);
  metrics_text::append_counter(out, "ventanilla_storage_wal_sync_failures_total",
                               "fdatasyncs of the WAL that failed.", stats.failed_wal_syncs);
  metrics_text::append_counter(out, "ventanilla_storage_recovery_checkpoints_total",
                               "TRUNCATE checkpoints that made the writes before a failed WAL sync "
                               "durable again.",
                               stats.recovery_checkpoints);
  metrics_text::append_counter(out, "ventanilla_storage_held_jobs_total",
                               "Write jobs refused unrun while a failed WAL sync awaited its "
                               "recovery checkpoint.",
                               stats.jobs_held);
}

http::Router build_router(storage::StorageWriter& writer, Readiness& readiness,
                          const std::optional<http::ServerMetrics>& server_metrics,
                          StorageMetrics& storage_metrics, const UssdRouteMetrics& ussd_metrics,
                          const SmsRouteMetrics& sms_metrics,
                          const outbound::OutboundMetrics& outbound_metrics,
                          Clock::time_point started) {
  http::Router router;
  router.add({.name = "healthz",
              .path = "/healthz",
              .methods = {Method::kGet},
              .handler = http::SyncHandler([](const HttpRequest&, RequestContext&) {
                return HttpResponse::text(200, "ok\n");
              }),
              .options = {.max_body_bytes = 0, .exempt_from_shedding = true}});
  router.add(
      {.name = "readyz",
       .path = "/readyz",
       .methods = {Method::kGet},
       .handler = http::AsyncHandler([&writer, &readiness](const HttpRequest&, RequestContext&)
                                         -> net::awaitable<HttpResponse> {
         if (now_ms() - readiness.checked_at_ms.load() > 1000) {
           // Named, not a temporary in the co_await expression (GCC bug 99576).
           storage::WriteJob probe = [](storage::Database&) {};
           auto written =
               co_await storage::async_write(writer, std::move(probe), net::use_awaitable);
           readiness.database_ok = written.has_value();
           readiness.checked_at_ms = now_ms();
         }
         const bool db = readiness.database_ok.load();
         const bool content = readiness.content_loaded.load();
         co_return HttpResponse::json(db && content ? 200 : 503,
                                      fmt::format(R"({{"ready":{},"database":"{}","content":"{}"}})"
                                                  "\n",
                                                  db && content, db ? "writable" : "unavailable",
                                                  content ? "loaded" : "loading"));
       }),
       .options = {.max_body_bytes = 0, .exempt_from_shedding = true}});
  router.add({.name = "metrics",
              .path = "/metrics",
              .methods = {Method::kGet},
              .handler = http::SyncHandler([&writer, &server_metrics, &storage_metrics,
                                            &ussd_metrics, &sms_metrics, &outbound_metrics,
                                            started](const HttpRequest&, RequestContext&) {
                std::string out;
                out.reserve(16 * 1024);
                if (server_metrics) server_metrics->render(out);
                render_storage_metrics(out, storage_metrics, writer.stats());
                ussd_metrics.render(out);
                sms_metrics.render(out);
                outbound_metrics.render(out);
                out += "# HELP ventanilla_uptime_seconds Seconds since start.\n";
                out += "# TYPE ventanilla_uptime_seconds gauge\n";
                fmt::format_to(std::back_inserter(out), "ventanilla_uptime_seconds {:.0f}\n",
                               std::chrono::duration<double>(Clock::now() - started).count());
                HttpResponse r = HttpResponse::text(200, std::move(out));
                r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                return r;
              }),
              // Overload is exactly when the operator needs to see the shedding.
              .options = {.max_body_bytes = 0, .exempt_from_shedding = true}});
  return router;
}

// First start against an empty database: import the seed hub directory and gazetteer, in one
// transaction, before anything is served. Runs on the write connection before the writer starts.
Result<void> seed_directory_if_empty(storage::Database& db, const std::string& data_dir,
                                     spdlog::logger& log) {
  try {
    if (!storage::directory_is_empty(db)) return {};
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db.path());
  }
  auto data = directory::load_directory_files(data_dir);
  if (!data) return data.error();
  auto report = storage::import_directory(db, *data);
  if (!report) return report.error();
  log.info("first start: imported the hub directory from {} ({} places, {} hubs)", data_dir,
           data->places.size(), data->hubs.size());
  return {};
}

// First start against an empty database: import the seed menus (validated first: menus that do
// not build are refused, never half-served).
Result<void> seed_menus_if_empty(storage::Database& db, const std::string& menus_dir,
                                 spdlog::logger& log) {
  try {
    if (storage::published_menu_version(db) != 0) return {};
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db.path());
  }
  auto files = read_menu_dir(menus_dir);
  if (!files) return files.error();
  auto built = dialog::MenuSet::build(*files);
  if (!built.menus) {
    return make_error(
        ErrorCode::kInvalidArgument, menus_dir,
        "menus do not validate (run `ventanilla check`):\n" + describe(built.errors, menus_dir));
  }
  try {
    storage::Transaction tx(db);
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto report = storage::publish_menu_files(db, to_stored_files(*files), "seed", now);
    tx.commit();
    log.info("first start: imported the menus from {} (menus version {})", menus_dir,
             report.version_after);
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e, db.path());
  }
  return {};
}

// First start against an empty database: remember when it was created. Importing the seed hub
// directory and menus hooks in here once those importers exist.
Result<void> initialise_content(storage::StorageWriter& writer, spdlog::logger& log) {
  bool first_start = false;
  auto r = writer.run_sync([&first_start](storage::Database& db) {
    auto stmt = db.prepare(
        "INSERT INTO meta(key, value) VALUES('created_at', strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
        "ON CONFLICT(key) DO NOTHING");
    stmt.step();
    first_start = db.changes() == 1;
  });
  if (!r) return r.error();
  if (first_start) log.info("first start: new database initialised");
  return {};
}

int run_serve(const CommandLine& cl) {
  const auto started = Clock::now();
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    return kExitUsage;
  }
  logging::init(cfg->log.level);  // by name, through config::to_string
  auto log = logging::get("app");
  log->info("ventanilla starting (config {})",
            cfg->source.empty() ? "<built-in defaults>" : cfg->source);

  // The database, its WAL and anything else we create hold pseudonymous data about migrants:
  // readable by the service account only.
  ::umask(0077);
  // Core dumps would hold raw phone numbers from request memory.
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);

  // One serve per database, and no restore under a running one (maintenance_commands.hpp). Taken
  // before anything else is touched; held until the process ends.
  std::optional<DatabaseLock> db_lock;
  if (const auto& path = cfg->storage.path;
      !path.empty() && path != ":memory:" && !path.starts_with("file:")) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    auto lock = DatabaseLock::acquire(path);
    if (!lock) {
      log->error("{}", lock.error().message());
      return kExitFailure;
    }
    db_lock.emplace(std::move(*lock));
  }

  bool key_created = false;
  auto pseudonymizer = privacy::Pseudonymizer::from_key_file(
      cfg->privacy.key_file, cfg->privacy.create_key_if_missing, &key_created);
  if (!pseudonymizer) {
    log->error("privacy.key_file: {}", pseudonymizer.error().message());
    return kExitUsage;
  }
  if (key_created) {
    log->warn(
        "created a new pseudonymization key at {} (mode 0600); keep it safe and backed up: "
        "subscriber ids change if it is lost",
        cfg->privacy.key_file);
  }

  auto db = open_database(cfg->storage, *log);
  if (!db) {
    log->error("storage: {}", db.error().message());
    return kExitFailure;
  }
  if (cfg->content.seed_on_empty) {
    if (auto seeded = seed_directory_if_empty(*db, cfg->content.data_dir, *log); !seeded) {
      log->error("seeding the hub directory: {}", seeded.error().message());
      return kExitFailure;
    }
    if (auto seeded = seed_menus_if_empty(*db, cfg->content.menus_dir, *log); !seeded) {
      log->error("seeding the menus: {}", seeded.error().message());
      return kExitFailure;
    }
  }
  ContentSnapshots content(cfg->storage.path, open_options(cfg->storage), logging::get("content"));
  if (auto loaded = content.reload(); !loaded) {
    log->error("loading content: {}", loaded.error().message());
    return kExitFailure;
  }
  if (cfg->ussd.enabled && content.menus() == nullptr) {
    log->warn("no menus imported yet: USSD hops get an apology until `ventanilla import` runs");
  }

  StorageMetrics storage_metrics;
  storage::WriterOptions writer_options;
  writer_options.group_commit_max = cfg->storage.group_commit_max;
  // synchronous=full: every acknowledged write is on disk. The writer keeps that promise by
  // syncing the WAL itself, overlapped with the next batch (storage_writer.hpp).
  writer_options.sync_wal_itself = cfg->storage.synchronous == config::Synchronous::kFull;
  if (writer_options.sync_wal_itself) {
    log->info(
        "durability: the WAL is fdatasynced before any write is acknowledged (full), "
        "overlapped with the next batch");
  }
  writer_options.on_commit = [&storage_metrics](std::chrono::microseconds latency, std::size_t) {
    storage_metrics.commit_latency.observe(static_cast<double>(latency.count()) / 1e6);
  };
  storage::StorageWriter writer(std::move(*db), writer_options);

  Readiness readiness;
  if (auto init = initialise_content(writer, *log); !init) {
    log->error("initialising content: {}", init.error().message());
    return kExitFailure;
  }
  readiness.content_loaded = content.directory() != nullptr;
  content.start_polling(std::chrono::milliseconds(cfg->content.reload_interval_ms));

  // /metrics renders the server's metrics, which are sized by the route table /metrics is part
  // of: the handler sees them through an optional filled right after the table is built.
  std::optional<http::ServerMetrics> server_metrics;
  UssdRouteMetrics ussd_metrics;
  SmsRouteMetrics sms_metrics;
  outbound::OutboundMetrics outbound_metrics;
  http::Router router = build_router(writer, readiness, server_metrics, storage_metrics,
                                     ussd_metrics, sms_metrics, outbound_metrics, started);
  if (cfg->ussd.enabled) {
    auto at_ussd = make_africastalking_ussd_route(
        *cfg, {writer, content, *pseudonymizer, ussd_metrics, logging::get("ussd")});
    if (!at_ussd) {
      log->error("{}", at_ussd.error().message());
      writer.stop();
      return kExitUsage;
    }
    router.add(std::move(*at_ussd));
  }
  // Like the SMS routes below: a missing secret stops start-up unless the route says "skip".
  auto ussd_routes = make_generic_ussd_routes(
      *cfg, {writer, content, *pseudonymizer, ussd_metrics, logging::get("ussd")});
  if (!ussd_routes) {
    log->error("{}", ussd_routes.error().message());
    writer.stop();
    return kExitUsage;
  }
  for (auto& route : *ussd_routes) router.add(std::move(route));
  // An enabled route whose secret is missing stops start-up here, naming the route and the key,
  // instead of answering 403 to every carrier request later.
  auto sms_routes =
      make_sms_routes(*cfg, {writer, content, *pseudonymizer, sms_metrics, logging::get("sms")});
  if (!sms_routes) {
    log->error("{}", sms_routes.error().message());
    writer.stop();
    return kExitUsage;
  }
  std::vector<std::string> live_sms_routes;
  for (auto& route : *sms_routes) {
    live_sms_routes.push_back(route.name);
    router.add(std::move(route));
  }
  // The outbound side: senders draining the outbox, and delivery-report routes.
  std::vector<std::string> live_route_names;
  for (const auto& r : cfg->routes) {
    if (std::find(live_sms_routes.begin(), live_sms_routes.end(), "sms_" + r.name) !=
        live_sms_routes.end())
      live_route_names.push_back(r.name);
  }
  auto outbound_setup =
      make_outbound(*cfg, live_route_names, writer, outbound_metrics, logging::get("outbound"));
  if (!outbound_setup) {
    log->error("{}", outbound_setup.error().message());
    writer.stop();
    return kExitUsage;
  }
  for (auto& route : outbound_setup->status_routes) router.add(std::move(route));
  if (cfg->ussd.enabled && cfg->ussd.sms_route.empty()) {
    log->warn(
        "[ussd] sms_route is not set: \"send me this by SMS\" from USSD stays queued until an SMS "
        "route with send_url is named there");
  }
  server_metrics.emplace(router.route_names());

  net::io_context io(static_cast<int>(cfg->server.io_threads));
  // SIGHUP (`systemctl reload`): reload the content now instead of at the next poll. Registered
  // before "listening on" is logged, so a reload sent as soon as the server is up is never the
  // default action (terminate). The reload reads SQLite and builds the directory: on its own
  // thread, not an io thread.
  net::signal_set reload_signal(io, SIGHUP);
  net::thread_pool reload_thread(1);
  // Also what a publish from the console asks for: the new version is live at once, not at the
  // next poll.
  auto reload_content = [&reload_thread, &content, &readiness, &log] {
    net::post(reload_thread, [&content, &readiness, &log] {
      if (auto r = content.reload(); !r) {
        log->error("content reload failed, keeping directory version {} and menus version {}: {}",
                   content.directory_version(), content.menu_version(), r.error().message());
        return;
      }
      readiness.content_loaded = content.directory() != nullptr;
      log->info("content reloaded: directory version {}, menus version {}",
                content.directory_version(), content.menu_version());
    });
  };
  std::function<void()> await_reload = [&] {
    reload_signal.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      reload_content();
      await_reload();
    });
  };
  await_reload();
  auto limits = server_limits(*cfg);
  limits.max_connections = descriptor_bound_connections(limits.max_connections, *log);
  // One in-flight budget for every listener: the admin API's own listener must be given this
  // gauge too (its routes are ShedClass::kAdmin), so admin work is shed first across both.
  auto load = std::make_shared<http::LoadGauge>();
  http::Server server(io, router, *server_metrics, limits, load);
  auto port = server.start(cfg->server.listen);
  if (!port) {
    log->error("{}", port.error().message());
    return kExitFailure;
  }
  const auto colon = cfg->server.listen.rfind(':');
  log->info("listening on {}:{} with {} io thread(s)", cfg->server.listen.substr(0, colon), *port,
            cfg->server.io_threads);

  // The staff API on its own (loopback) listener, sharing the in-flight budget as class admin.
  std::unique_ptr<AdminListener> admin_listener;
  if (!cfg->admin.listen.empty()) {
    admin::AdminServices services;
    services.directory = [&content] { return content.directory(); };
    services.routes = route_profiles(*cfg);
    services.content_changed = reload_content;
    auto opened = AdminListener::open(cfg->storage.path, open_options(cfg->storage), io, limits,
                                      load, logging::get("admin"), std::move(services));
    if (!opened) {
      log->error("admin API: {}", opened.error().message());
      writer.stop();
      return kExitFailure;
    }
    admin_listener = std::move(*opened);
    auto admin_port = admin_listener->start(cfg->admin.listen);
    if (!admin_port) {
      log->error("admin API: {}", admin_port.error().message());
      writer.stop();
      return kExitFailure;
    }
    log->info("admin API listening on {}:{}",
              cfg->admin.listen.substr(0, cfg->admin.listen.rfind(':')), *admin_port);
  }

  std::unique_ptr<outbound::OutboxDrainer> drainer;
  // A lease must outlast the longest call, or a slow call's row would be recovered as in doubt
  // (and resent) while it is still in flight.
  if (std::uint64_t{cfg->outbound.lease_s} * 1000 <=
      2 * std::uint64_t{cfg->outbound.request_timeout_ms}) {
    log->error(
        "outbound.lease_s ({} s) must be more than twice outbound.request_timeout_ms ({} ms)",
        cfg->outbound.lease_s, cfg->outbound.request_timeout_ms);
    writer.stop();
    return kExitUsage;
  }
  if (cfg->outbound.enabled && !outbound_setup->senders.empty()) {
    outbound::DrainerOptions options;
    const auto& o = cfg->outbound;
    options.poll_interval = std::chrono::milliseconds(o.poll_interval_ms);
    options.lease = std::chrono::seconds(o.lease_s);
    options.batch = o.batch;
    options.concurrent_calls = o.concurrent_calls;
    options.retry = {std::chrono::milliseconds(o.retry_base_ms),
                     std::chrono::seconds(o.retry_cap_s), o.max_attempts};
    options.http.connect_timeout = std::chrono::milliseconds(o.connect_timeout_ms);
    options.http.request_timeout = std::chrono::milliseconds(o.request_timeout_ms);
    options.http.extra_ca_file = o.ca_file;
    options.finished_retention = std::chrono::hours(o.finished_retention_h);
    options.max_queue_age = std::chrono::hours(o.max_queue_age_h);
    try {
      drainer = std::make_unique<outbound::OutboxDrainer>(
          io, writer, *pseudonymizer, std::move(outbound_setup->senders), std::move(options),
          outbound_metrics, logging::get("outbound"));
    } catch (const std::exception& e) {
      log->error("outbound.ca_file: {}", e.what());
      return kExitUsage;
    }
    drainer->start();
  } else if (!cfg->outbound.enabled) {
    log->warn("outbound.enabled = false: queued SMS are not sent");
  }

  const auto drain = std::chrono::milliseconds(cfg->limits.drain_timeout_ms);
  net::signal_set signals(io, SIGINT, SIGTERM);
  net::steady_timer hard_stop(io);

  // Expired sessions and stored replies are deleted on a timer (a writer job each time), so the
  // tables stay the size of the live traffic.
  net::steady_timer purge_timer(io);
  const auto purge_every = std::chrono::seconds(cfg->ussd.purge_interval_s);
  // A session row must outlive its own timeout and the resume window: keep the longest of all.
  std::chrono::milliseconds keep_sessions =
      std::max(std::chrono::seconds(cfg->ussd.session_timeout_s),
               std::chrono::seconds(cfg->ussd.resume_window_s));
  for (const auto& r : cfg->routes) {
    if (std::find(live_sms_routes.begin(), live_sms_routes.end(), "sms_" + r.name) ==
        live_sms_routes.end())
      continue;  // off (no secret): its conversations cannot exist
    keep_sessions = std::max<std::chrono::milliseconds>(
        keep_sessions, std::chrono::seconds(r.conversation_timeout_s));
  }
  std::function<void()> schedule_purge = [&] {
    purge_timer.expires_after(purge_every);
    purge_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      purge_expired_rows(writer, keep_sessions, logging::get("storage"));
      schedule_purge();
    });
  };
  schedule_purge();
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log->info("signal {}: stopping; draining for up to {} ms", signo, drain.count());
    purge_timer.cancel();
    reload_signal.cancel();
    if (drainer) drainer->stop();
    // Both listeners drain; the last to finish stops the io threads.
    auto listening = std::make_shared<std::atomic<int>>(admin_listener ? 2 : 1);
    auto drained = [&io, listening] {
      if (listening->fetch_sub(1) == 1) io.stop();
    };
    server.stop(drain, drained);
    if (admin_listener) admin_listener->stop(drain, drained);
    // Handlers past the drain deadline must not hold the process: stop regardless a second
    // later.
    hard_stop.expires_after(drain + std::chrono::seconds(1));
    hard_stop.async_wait([&io](boost::system::error_code wait_ec) {
      if (!wait_ec) io.stop();
    });
  });

  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < cfg->server.io_threads; ++i)
    threads.emplace_back([&io] {
      ::pthread_setname_np(::pthread_self(), "io");
      io.run();
    });
  io.run();
  for (auto& t : threads) t.join();

  reload_thread.join();  // a reload in progress finishes before its snapshots go away
  content.stop();
  auto stopped = writer.stop();  // drains queued writes, then checkpoints (TRUNCATE)
  if (!stopped) log->warn("final checkpoint: {}", stopped.error().message());
  log->info("stopped");
  return kExitOk;
}

}  // namespace

storage::OpenOptions open_options(const config::StorageConfig& s, bool read_only) {
  storage::OpenOptions o;
  o.synchronous = to_storage(s.synchronous);
  o.busy_timeout_ms = s.busy_timeout_ms;
  o.wal_autocheckpoint_pages = s.wal_autocheckpoint_pages;
  o.read_only = read_only;
  return o;
}

// Loads the configuration named on the command line (or the local default) and applies the
// overrides. Without --config and without the default file, built-in defaults apply, so the
// binary also runs outside a checkout.
Result<config::Config> load_configuration(const CommandLine& cl) {
  if (cl.config_path) return config::load_config(*cl.config_path, cl.overrides);
  if (std::filesystem::exists(kDefaultConfigPath)) {
    return config::load_config(std::string(kDefaultConfigPath), cl.overrides);
  }
  return config::parse_config("", "<built-in defaults>", cl.overrides);
}

int run(const CommandLine& cl) {
  if (cl.help) {
    std::fputs(usage(cl.verb).c_str(), stdout);
    return kExitOk;
  }
  if (cl.verb == "serve") return run_serve(cl);
  if (cl.verb == "check") return run_check(cl);
  if (cl.verb == "import") return run_import(cl);
  if (cl.verb == "export") return run_export(cl);
  if (cl.verb == "directory") return run_directory(cl);
  if (cl.verb == "outbox") return run_outbox(cl);
  if (cl.verb == "simulate") return run_simulate(cl);
  if (cl.verb == "backup") return run_backup(cl);
  if (cl.verb == "restore") return run_restore(cl);
  if (cl.verb == "purge") return run_purge(cl);
  if (cl.verb == "token") return run_token(cl);
  if (cl.verb == "user") return run_user(cl);
  if (cl.verb == "audit") return run_audit(cl);
  std::fputs(usage("").c_str(), stderr);
  return kExitUsage;
}

int main(int argc, const char* const* argv) {
  auto cl = parse_command_line(argc, argv);
  if (!cl) {
    std::fprintf(stderr, "ventanilla: %s\n\n%s", cl.error().detail.c_str(), usage("").c_str());
    return kExitUsage;
  }
  try {
    return run(*cl);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ventanilla: fatal: %s\n", e.what());
    return kExitFailure;
  }
}

}  // namespace ventanilla::app
