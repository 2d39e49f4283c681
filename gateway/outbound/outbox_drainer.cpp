#include "outbound/outbox_drainer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <optional>
#include <random>
#include <variant>

#include "common/metrics_text.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/async_write.hpp"
#include "storage/outbox_store.hpp"
#include "text/sms_split.hpp"

namespace ventanilla::outbound {

namespace net = boost::asio;

namespace {

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string callback_url(const std::string& base, const std::string& reference) {
  if (base.empty()) return {};
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "id=" + reference;
}

}  // namespace

void OutboundMetrics::render(std::string& out) const {
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    metrics_text::append_counter(out, name, help, value);
  };
  out += "# HELP ventanilla_outbox_messages Outbox messages by state.\n";
  out += "# TYPE ventanilla_outbox_messages gauge\n";
  static constexpr std::array<std::string_view, 6> kStates{"queued", "leased", "sent",
                                                           "retry",  "failed", "in_doubt"};
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    fmt::format_to(std::back_inserter(out), "ventanilla_outbox_messages{{state=\"{}\"}} {}\n",
                   kStates[i], depth[i].load());
  }
  out += "# HELP ventanilla_outbox_flagged_in_doubt Messages that may have been sent twice.\n";
  out += "# TYPE ventanilla_outbox_flagged_in_doubt gauge\n";
  fmt::format_to(std::back_inserter(out), "ventanilla_outbox_flagged_in_doubt {}\n",
                 flagged_in_doubt.load());
  out += "# HELP ventanilla_outbox_oldest_due_age_seconds Age of the oldest message waiting.\n";
  out += "# TYPE ventanilla_outbox_oldest_due_age_seconds gauge\n";
  fmt::format_to(std::back_inserter(out), "ventanilla_outbox_oldest_due_age_seconds {:.3f}\n",
                 static_cast<double>(oldest_due_age_ms.load()) / 1000.0);
  counter("ventanilla_outbox_attempts_total", "Carrier calls made to send a message.",
          attempts.load());
  counter("ventanilla_outbox_sent_total", "Messages a carrier accepted.", sent.load());
  counter("ventanilla_outbox_retries_total", "Attempts that ended in a scheduled retry.",
          retried.load());
  counter("ventanilla_outbox_in_doubt_total",
          "Attempts whose request left but whose answer never came (resent, flagged).",
          in_doubt.load());
  out += "# HELP ventanilla_outbox_failed_total Messages ended failed, by reason.\n";
  out += "# TYPE ventanilla_outbox_failed_total counter\n";
  fmt::format_to(std::back_inserter(out),
                 "ventanilla_outbox_failed_total{{reason=\"permanent\"}} {}\n"
                 "ventanilla_outbox_failed_total{{reason=\"retries_exhausted\"}} {}\n"
                 "ventanilla_outbox_failed_total{{reason=\"unsendable\"}} {}\n",
                 failed_permanent.load(), failed_exhausted.load(), failed_other.load());
  counter("ventanilla_outbox_recovered_leases_total",
          "Messages found leased by a dead sender (recovered as in doubt).",
          recovered_leases.load());
  counter("ventanilla_delivery_reports_total", "Delivery reports applied.",
          delivery_reports.load());
  counter("ventanilla_delivery_reports_unknown_total",
          "Delivery reports for messages we do not know.", delivery_unknown.load());
  counter("ventanilla_delivery_reports_duplicate_total", "Delivery reports already applied.",
          delivery_duplicate.load());
  out += "# HELP ventanilla_outbox_send_seconds Time of one carrier call.\n";
  out += "# TYPE ventanilla_outbox_send_seconds summary\n";
  fmt::format_to(std::back_inserter(out),
                 "ventanilla_outbox_send_seconds_sum {:.6f}\nventanilla_outbox_send_seconds_count "
                 "{}\n",
                 static_cast<double>(latency_sum_us.load()) / 1e6, latency_count.load());
}

struct OutboxDrainer::Impl : std::enable_shared_from_this<Impl> {
  struct RouteState {
    SendingRoute route;
    std::deque<storage::LeasedSms> ready;
    bool leasing = false;
    std::chrono::steady_clock::time_point next_slot{};
    // One idle timer per worker (a timer re-armed by one waiter cancels the others' waits);
    // wake_all() cancels them all when there is work.
    std::vector<std::unique_ptr<net::steady_timer>> idle;
    void wake_all() {
      for (auto& t : idle) t->cancel();
    }
  };

  Impl(net::io_context& io_context, storage::StorageWriter& w, const privacy::Pseudonymizer& p,
       std::vector<SendingRoute> r, DrainerOptions o, OutboundMetrics& m,
       std::shared_ptr<spdlog::logger> l)
      : io(io_context),
        strand(net::make_strand(io_context)),
        writer(w),
        pseudonymizer(p),
        options(std::move(o)),
        metrics(m),
        log(std::move(l)),
        client(strand, options.http),
        housekeeping_timer(strand),
        random(std::random_device{}()) {
    for (auto& route : r) {
      auto state = std::make_unique<RouteState>();
      state->route = std::move(route);
      for (std::size_t i = 0; i < std::max<std::size_t>(options.concurrent_calls, 1); ++i)
        state->idle.push_back(std::make_unique<net::steady_timer>(strand));
      routes.push_back(std::move(state));
    }
  }

  net::io_context& io;
  net::strand<net::io_context::executor_type> strand;
  storage::StorageWriter& writer;
  const privacy::Pseudonymizer& pseudonymizer;
  const DrainerOptions options;
  OutboundMetrics& metrics;
  std::shared_ptr<spdlog::logger> log;
  HttpClient client;
  net::steady_timer housekeeping_timer;
  std::mt19937_64 random;
  std::vector<std::unique_ptr<RouteState>> routes;
  bool running = false;  // strand only

  double draw() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }

  // Jobs are named WriteJobs, never temporaries inside the co_await expression: GCC 12 destroys
  // such temporaries twice (GCC bug 99576).
  net::awaitable<Result<void>> write(storage::WriteJob& job) {
    co_return co_await storage::async_write(writer, std::move(job), net::use_awaitable);
  }

  net::awaitable<void> sleep(net::steady_timer& timer, std::chrono::steady_clock::duration d) {
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }

  // Takes due rows for `rs` into its ready queue. Only one lease at a time per route.
  net::awaitable<std::size_t> lease(RouteState& rs) {
    rs.leasing = true;
    auto leased = std::make_shared<std::vector<storage::LeasedSms>>();
    const std::string route = rs.route.name;
    const auto lease_ms = options.lease.count();
    // No more than the route's rate can send within half a lease: a row still waiting for its
    // slot when its lease ends would be recovered as in doubt and sent twice.
    const auto lease_s = std::chrono::duration_cast<std::chrono::seconds>(options.lease).count();
    const auto sendable = static_cast<std::size_t>(
        std::max<std::int64_t>(1, static_cast<std::int64_t>(rs.route.rate_per_s) * lease_s / 2));
    const auto limit = std::min(options.batch, sendable);
    storage::WriteJob job = [leased, route, lease_ms, limit](storage::Database& db) {
      *leased = storage::lease_due(db, route, epoch_ms(), lease_ms, limit);
    };
    auto written = co_await write(job);
    rs.leasing = false;
    if (!written) {
      log->warn("route {}: leasing due messages failed (retried): {}", route,
                written.error().message());
      co_return 0;
    }
    if (!running) {  // stopped while leasing: give them back untried
      for (const auto& m : *leased) release(m.id);
      co_return 0;
    }
    for (auto& m : *leased) rs.ready.push_back(std::move(m));
    rs.wake_all();  // other workers of this route may be waiting for work
    co_return leased->size();
  }

  void release(std::int64_t id) {
    writer.submit([id](storage::Database& db) { storage::release_lease(db, id, epoch_ms()); },
                  [](Result<void>) {});
  }

  // Waits for the route's next sending slot: one call per 1/rate seconds, shared by its workers.
  net::awaitable<void> take_slot(RouteState& rs) {
    const auto now = std::chrono::steady_clock::now();
    const auto spacing = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / std::max<std::uint32_t>(rs.route.rate_per_s, 1)));
    const auto slot = std::max(now, rs.next_slot);
    rs.next_slot = slot + spacing;
    if (slot > now) {
      net::steady_timer pause(strand);
      co_await sleep(pause, slot - now);
    }
  }

  net::awaitable<void> worker(RouteState& rs, std::size_t index) {
    auto self = shared_from_this();
    net::steady_timer& idle = *rs.idle[index];
    while (running) {
      if (rs.ready.empty()) {
        if (!rs.leasing) {
          const auto got = co_await lease(rs);
          if (got == 0 && running) co_await sleep(idle, options.poll_interval);
        } else {
          co_await sleep(idle, options.poll_interval);
        }
        continue;
      }
      storage::LeasedSms message = std::move(rs.ready.front());
      rs.ready.pop_front();
      auto sending = send_one(rs, std::move(message));  // named: GCC bug 99576
      co_await std::move(sending);
    }
  }

  // One carrier call for `sms`; the decision for the row if this call were its last.
  net::awaitable<Decision> call_once(RouteState& rs, const storage::LeasedSms& message,
                                     const carriers::OutboundSms& sms, bool& unsendable) {
    const auto& route = rs.route;
    auto prepared = route.sender->prepare_send(sms, route.account);
    if (!prepared) {
      unsendable = true;
      co_return Decision{Disposition::kFailed, 0, prepared.error().detail, {}};
    }
    ++metrics.attempts;
    const auto started = std::chrono::steady_clock::now();
    auto sending = client.send(std::move(*prepared));  // named: GCC bug 99576
    HttpClientResult result = co_await std::move(sending);
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    ++metrics.latency_count;
    metrics.latency_sum_us += static_cast<std::uint64_t>(took.count());
    Decision decision;
    if (const auto* answer = std::get_if<carriers::HttpAnswer>(&result)) {
      const auto verdict = route.sender->read_send_response(*answer);
      decision = decide(options.retry, message.attempts, *answer, verdict, epoch_ms(), draw());
      if (decision.what == Disposition::kFailed &&
          verdict.verdict == carriers::SendVerdict::kPermanent) {
        ++metrics.failed_permanent;
      } else if (decision.what == Disposition::kFailed) {
        ++metrics.failed_exhausted;
      }
    } else {
      const auto& error = std::get<TransportError>(result);
      decision = decide(options.retry, message.attempts,
                        TransportFailure{error.request_sent, std::string(to_string(error.kind))},
                        epoch_ms(), draw());
      if (decision.what == Disposition::kFailed) ++metrics.failed_exhausted;
      log->debug("route {}: message {} attempt {}: {}", route.name, message.id, message.attempts,
                 error.detail);
    }
    co_return decision;
  }

  net::awaitable<void> send_one(RouteState& rs, storage::LeasedSms message) {
    const auto& route = rs.route;
    Decision decision{Disposition::kFailed, 0, "empty message", {}};
    bool unsendable = true;
    auto number = pseudonymizer.unseal(message.destination_sealed, message.idempotency_key);
    if (!number) {
      decision.reason = "cannot unseal the number (key rotated?)";
    } else {
      const auto encoded = text::apply_policy(message.body, route.policy);
      // An API that takes one SMS per call gets the text in single-SMS parts, each a whole SMS;
      // parts the carrier already took (an earlier attempt) are not sent again.
      std::vector<std::string> parts;
      if (route.sender->concatenates()) {
        if (!encoded.text.empty()) parts.push_back(encoded.text);
      } else {
        parts = text::split_into_single_sms(encoded);
      }
      carriers::OutboundSms sms;
      sms.id = message.reference;
      sms.to = number->e164();
      sms.unicode = encoded.encoding == text::Encoding::kUcs2;
      sms.status_callback_url = callback_url(route.status_url, message.reference);
      for (std::size_t k = message.parts_sent; k < parts.size(); ++k) {
        co_await take_slot(rs);
        if (!running) {  // stopping: give the rest back untried
          release(message.id);
          co_return;
        }
        unsendable = false;
        sms.text = parts[k];
        auto calling = call_once(rs, message, sms, unsendable);  // named: GCC bug 99576
        decision = co_await std::move(calling);
        if (decision.what != Disposition::kSent || k + 1 == parts.size()) break;
        const std::int64_t id = message.id;
        const auto sent_parts = static_cast<std::uint32_t>(k + 1);
        storage::WriteJob job = [id, sent_parts](storage::Database& db) {
          storage::mark_parts_sent(db, id, sent_parts, epoch_ms());
        };
        auto written = co_await write(job);
        if (!written) co_return;  // not marked: the lease expires and recovery resends, flagged
      }
    }
    auto finishing = finish(message, std::move(decision), unsendable);
    co_await std::move(finishing);
  }

  // Records the outcome durably. A row no longer leased (cancelled by staff, settled by a
  // delivery report meanwhile) is left as it is.
  net::awaitable<void> finish(const storage::LeasedSms& message, Decision decision,
                              bool unsendable) {
    const std::int64_t id = message.id;
    auto applied = std::make_shared<bool>(false);
    storage::WriteJob job = [id, decision, applied](storage::Database& db) {
      const auto now = epoch_ms();
      switch (decision.what) {
        case Disposition::kSent:
          *applied = storage::mark_sent(db, id, decision.external_id, now);
          break;
        case Disposition::kRetry:
          *applied = storage::mark_retry(db, id, decision.next_attempt_ms, decision.reason, now);
          break;
        case Disposition::kInDoubt:
          *applied = storage::mark_in_doubt(db, id, decision.next_attempt_ms, decision.reason, now);
          break;
        case Disposition::kFailed:
          *applied = storage::mark_failed(db, id, decision.reason, now);
          break;
      }
    };
    auto written = co_await write(job);
    if (!written) {
      // The lease expires and the next start (or housekeeping) recovers it as in doubt.
      log->error("message {} ({}): outcome not recorded: {}", id, message.reference,
                 written.error().message());
      co_return;
    }
    switch (decision.what) {
      case Disposition::kSent:
        ++metrics.sent;
        log->debug("message {} ({}) sent on attempt {}", id, message.reference, message.attempts);
        break;
      case Disposition::kRetry:
        ++metrics.retried;
        log->info("message {} ({}) attempt {}: {}; retry in {} ms", id, message.reference,
                  message.attempts, decision.reason, decision.next_attempt_ms - epoch_ms());
        break;
      case Disposition::kInDoubt:
        ++metrics.in_doubt;
        log->warn("message {} ({}) attempt {}: {} after the request left: in doubt, resent later",
                  id, message.reference, message.attempts, decision.reason);
        break;
      case Disposition::kFailed:
        if (unsendable) ++metrics.failed_other;
        log->warn("message {} ({}) failed: {}", id, message.reference, decision.reason);
        break;
    }
    if (!*applied)
      log->info("message {} ({}) changed meanwhile; outcome dropped", id, message.reference);
  }

  net::awaitable<void> housekeeping() {
    auto self = shared_from_this();
    while (running) {
      auto counts = std::make_shared<storage::OutboxCounts>();
      auto recovered = std::make_shared<std::int64_t>(0);
      const auto retention_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(options.finished_retention).count();
      const auto max_age_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(options.max_queue_age).count();
      storage::WriteJob job = [counts, recovered, retention_ms, max_age_ms](storage::Database& db) {
        const auto now = epoch_ms();
        *recovered = storage::recover_expired_leases(db, now);
        storage::expire_unsent(db, now - max_age_ms, now);
        storage::purge_finished(db, now - retention_ms);
        *counts = storage::outbox_counts(db);
      };
      auto written = co_await write(job);
      if (written) {
        for (std::size_t i = 0; i < counts->by_status.size() && i < metrics.depth.size(); ++i)
          metrics.depth[i] = counts->by_status[i].second;
        metrics.flagged_in_doubt = counts->in_doubt_flagged;
        metrics.oldest_due_age_ms =
            counts->oldest_due_ms == 0
                ? 0
                : std::max<std::int64_t>(0, epoch_ms() - counts->oldest_due_ms);
        if (*recovered > 0) {
          metrics.recovered_leases += static_cast<std::uint64_t>(*recovered);
          log->warn("{} message(s) found leased past their lease: in doubt, resent", *recovered);
        }
      }
      co_await sleep(housekeeping_timer, options.housekeeping_interval);
    }
  }
};

OutboxDrainer::OutboxDrainer(net::io_context& io, storage::StorageWriter& writer,
                             const privacy::Pseudonymizer& pseudonymizer,
                             std::vector<SendingRoute> routes, DrainerOptions options,
                             OutboundMetrics& metrics, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(io, writer, pseudonymizer, std::move(routes), std::move(options),
                                   metrics, std::move(log))) {}

OutboxDrainer::~OutboxDrainer() = default;

void OutboxDrainer::start() {
  // Every leased row belongs to a process that is gone (one writer process per database).
  auto recovered = std::make_shared<std::int64_t>(0);
  auto r = impl_->writer.run_sync([recovered](storage::Database& db) {
    *recovered = storage::recover_all_leases(db, epoch_ms());
  });
  if (!r) {
    impl_->log->error("recovering leased messages: {}", r.error().message());
  } else if (*recovered > 0) {
    impl_->metrics.recovered_leases += static_cast<std::uint64_t>(*recovered);
    impl_->log->warn(
        "{} message(s) were in flight when the last process stopped: in doubt, resent (flagged)",
        *recovered);
  }
  net::post(impl_->strand, [impl = impl_] {
    impl->running = true;
    net::co_spawn(impl->strand, impl->housekeeping(), net::detached);
    for (auto& rs : impl->routes) {
      for (std::size_t i = 0; i < rs->idle.size(); ++i)
        net::co_spawn(impl->strand, impl->worker(*rs, i), net::detached);
      impl->log->info("sending route {} via {} at most {}/s", rs->route.name,
                      rs->route.sender->name(), rs->route.rate_per_s);
    }
  });
}

void OutboxDrainer::stop() {
  net::post(impl_->strand, [impl = impl_] {
    if (!impl->running) return;
    impl->running = false;
    impl->housekeeping_timer.cancel();
    for (auto& rs : impl->routes) {
      for (const auto& m : rs->ready) impl->release(m.id);
      rs->ready.clear();
      rs->wake_all();
    }
  });
}

void OutboxDrainer::wake() {
  net::post(impl_->strand, [impl = impl_] {
    for (auto& rs : impl->routes) rs->wake_all();
  });
}

}  // namespace ventanilla::outbound
