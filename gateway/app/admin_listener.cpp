#include "app/admin_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "admin/admin_api.hpp"
#include "admin/console_assets.hpp"
#include "app/route_support.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "storage/connection_thread.hpp"

namespace ventanilla::app {

namespace net = boost::asio;

namespace {

constexpr std::string_view kApiPrefix = "/admin/api/";

// Runs `call` on the connection thread and resumes the awaiting coroutine on its own executor
// with the reply. If the thread no longer takes jobs (shutting down), answers 503 at once.
template <class CompletionToken>
auto async_on_connection(storage::ConnectionThread& thread,
                         std::function<http::HttpResponse(storage::Database&)> call,
                         CompletionToken&& token) {
  return net::async_initiate<CompletionToken, void(http::HttpResponse)>(
      [&thread](auto handler, std::function<http::HttpResponse(storage::Database&)> work) {
        using Handler = decltype(handler);
        auto executor = net::get_associated_executor(handler);
        struct State {
          Handler handler;
          net::executor_work_guard<decltype(executor)> guard;
        };
        auto state =
            std::make_shared<State>(State{std::move(handler), net::make_work_guard(executor)});
        auto finish = [state](http::HttpResponse reply) {
          auto ex = state->guard.get_executor();
          net::post(ex, [state, reply = std::move(reply)]() mutable {
            std::move(state->handler)(std::move(reply));
            state->guard.reset();
          });
        };
        const bool queued = thread.submit(
            [work = std::move(work), finish](storage::Database& db) { finish(work(db)); });
        if (!queued) finish(admin::json_error(503, "unavailable", "", "shutting down"));
      },
      token, std::move(call));
}

}  // namespace

struct AdminListener::Impl {
  Impl(storage::Database db, net::io_context& io, http::ServerLimits limits,
       std::shared_ptr<http::LoadGauge> load, std::shared_ptr<spdlog::logger> logger,
       admin::AdminServices services)
      : log(std::move(logger)),
        api(log, std::move(services)),
        connection(std::move(db)),
        router(make_router()),
        metrics(router.route_names()),
        server(io, router, metrics, limits, std::move(load)) {}

  http::Router make_router() {
    http::Router r;
    // The console's files. A strict CSP (same-origin scripts and calls only, no framing) keeps a
    // text that slipped through validation from ever running as script in a staff browser.
    http::RouteOptions static_options;
    static_options.shed_class = http::ShedClass::kAdmin;
    r.add({"admin_console",
           "/admin/",
           {http::Method::kGet, http::Method::kHead},
           http::SyncHandler([](const http::HttpRequest& request, http::RequestContext&) {
             const auto* asset = admin::find_console_asset(request.path());
             if (asset == nullptr) return http::HttpResponse::text(404, "not found\n");
             http::HttpResponse reply;
             reply.content_type = std::string(asset->content_type);
             reply.body = std::string(asset->body);
             reply.headers.emplace_back(
                 "Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                 "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
             reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
             reply.headers.emplace_back("Referrer-Policy", "no-referrer");
             reply.headers.emplace_back("Cache-Control", "no-cache");
             return reply;
           }),
           static_options,
           true});
    http::RouteOptions options;
    options.shed_class = http::ShedClass::kAdmin;
    r.add({"admin_api",
           std::string(kApiPrefix),
           {http::Method::kGet, http::Method::kHead, http::Method::kPost, http::Method::kPut,
            http::Method::kPatch, http::Method::kDelete},
           http::AsyncHandler([this](const http::HttpRequest& request, http::RequestContext& ctx)
                                  -> net::awaitable<http::HttpResponse> {
             // The request's views stay valid until this coroutine finishes, and it finishes only
             // after the connection thread is done with them.
             auto job = async_on_connection(
                 connection,
                 [this, &request, request_id = std::string(ctx.request_id)](storage::Database& db) {
                   return api.handle(request, request_id, db, epoch_ms());
                 },
                 net::use_awaitable);
             co_return co_await std::move(job);
           }),
           options,
           true});
    return r;
  }

  std::shared_ptr<spdlog::logger> log;
  admin::AdminApi api;
  storage::ConnectionThread connection;
  http::Router router;
  http::ServerMetrics metrics;
  http::Server server;
};

Result<std::unique_ptr<AdminListener>> AdminListener::open(
    const std::string& db_path, const storage::OpenOptions& options, net::io_context& io,
    http::ServerLimits limits, std::shared_ptr<http::LoadGauge> load,
    std::shared_ptr<spdlog::logger> log, admin::AdminServices services) {
  auto db = storage::Database::open(db_path, options);
  if (!db) return db.error();
  return std::unique_ptr<AdminListener>(new AdminListener(std::make_unique<Impl>(
      std::move(*db), io, limits, std::move(load), std::move(log), std::move(services))));
}

AdminListener::AdminListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdminListener::~AdminListener() = default;

Result<std::uint16_t> AdminListener::start(const std::string& listen) {
  return impl_->server.start(listen);
}

void AdminListener::stop(std::chrono::milliseconds drain_timeout,
                         std::function<void()> on_drained) {
  impl_->server.stop(drain_timeout, std::move(on_drained));
}

http::ServerMetrics& AdminListener::metrics() { return impl_->metrics; }

}  // namespace ventanilla::app
