#include "http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "common/logging.hpp"
#include "http/framing.hpp"

namespace ventanilla::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
// Reads after an error reply, so the client sees the reply instead of a reset (lingering close).
constexpr std::chrono::milliseconds kLingerTimeout{500};
constexpr std::size_t kLingerMaxBytes = 64 * 1024;

enum class ConnState : std::uint8_t { kIdle, kBusy };

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Shared by a connection's coroutine and the server's registry. `socket` and `state` are touched
// only on the connection's strand; the registry only posts to that strand.
//
// Deadlines are coarse on purpose: the session stores "close me after T" in `deadline_ns` (one
// atomic store) and a sweeper closes overdue sockets a few times per timeout. Arming an Asio timer
// for every read and write cost a quarter of the throughput on /healthz, and deadlines of seconds
// do not need microsecond precision.
struct Connection {
  explicit Connection(net::any_io_executor ex) : executor(std::move(ex)) {}
  net::any_io_executor executor;
  tcp::socket* socket = nullptr;
  ConnState state = ConnState::kIdle;
  std::atomic<std::int64_t> deadline_ns{0};  // 0: no deadline (a handler is running)

  void arm(std::chrono::milliseconds timeout) noexcept {
    deadline_ns.store(
        now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count(),
        std::memory_order_relaxed);
  }
  void disarm() noexcept { deadline_ns.store(0, std::memory_order_relaxed); }
  bool overdue(std::int64_t now) const noexcept {
    const auto d = deadline_ns.load(std::memory_order_relaxed);
    return d != 0 && d <= now;
  }
};

using RequestParser = bhttp::request_parser<bhttp::string_body>;

// How a request ended before or instead of its handler.
struct EarlyReply {
  unsigned status;
  std::string_view reason;
};

std::string_view reason_text(unsigned status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 411:
      return "length required";
    case 413:
      return "payload too large";
    case 414:
      return "URI too long";
    case 431:
      return "request header fields too large";
    case 500:
      return "internal error";
    case 503:
      return "service unavailable";
    default:
      return "error";
  }
}

// The parsed Content-Length, nullopt when the request has none. Only valid once the header is done.
std::optional<std::uint64_t> announced_length(const RequestParser& parser) {
  const auto length = parser.content_length();
  if (!length) return std::nullopt;
  return *length;
}

// Methods that carry no body on any route: framing that announces one is refused.
bool is_bodiless_method(Method method) noexcept {
  return method == Method::kGet || method == Method::kHead;
}

// The 503 written straight to a connection refused at accept, before any request is read.
std::string refusal_reply(std::uint32_t retry_after_s) {
  return fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: {}\r\n"
      "Connection: close\r\n\r\n",
      retry_after_s);
}

std::string_view overload_reason(ShedClass c) noexcept {
  switch (c) {
    case ShedClass::kUssd:
      return "overloaded (ussd: max_inflight in use)";
    case ShedClass::kSms:
      return "overloaded (sms: its share of max_inflight in use)";
    case ShedClass::kAdmin:
      return "overloaded (admin: its share of max_inflight in use)";
  }
  return "overloaded";
}

// The route's own reply for work the server answers in its place; null for the default 503 (also
// when the callback fails: a plain 503 is still an answer).
std::shared_ptr<const HttpResponse> route_shed_reply(const Route& route) noexcept {
  if (!route.options.shed_reply) return nullptr;
  try {
    return route.options.shed_reply();
  } catch (const std::exception&) {
    return nullptr;
  }
}

// How many requests may be in flight when one of each class is admitted, indexed by ShedClass.
std::array<std::uint32_t, kShedClassCount> admission_limits(const ServerLimits& l) {
  std::array<std::uint32_t, kShedClassCount> out{};
  out[static_cast<std::size_t>(ShedClass::kUssd)] = l.max_inflight;
  out[static_cast<std::size_t>(ShedClass::kSms)] = share_of(l.max_inflight, l.shed_sms_at_percent);
  out[static_cast<std::size_t>(ShedClass::kAdmin)] =
      share_of(l.max_inflight, l.shed_admin_at_percent);
  return out;
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& io_context, const Router& r, ServerMetrics& m, ServerLimits l,
       std::shared_ptr<LoadGauge> gauge)
      : io(io_context),
        router(r),
        metrics(m),
        limits(l),
        load(gauge ? std::move(gauge) : std::make_shared<LoadGauge>()),
        admit_below(admission_limits(l)),
        refusal(refusal_reply(l.retry_after_s)),
        acceptor(net::make_strand(io_context)),
        drain_timer(io_context),
        sweep_timer(acceptor.get_executor()),
        log(logging::get("http")) {
    metrics.show_load(load);
  }

  net::io_context& io;
  const Router& router;
  ServerMetrics& metrics;
  const ServerLimits limits;
  const std::shared_ptr<LoadGauge> load;
  const std::array<std::uint32_t, kShedClassCount> admit_below;
  const std::string refusal;
  tcp::acceptor acceptor;
  net::steady_timer drain_timer;
  net::steady_timer sweep_timer;
  std::shared_ptr<spdlog::logger> log;

  std::atomic<bool> stopping{false};
  std::atomic<std::uint32_t> connections{0};

  std::mutex mu;  // guards the three below
  std::unordered_set<std::shared_ptr<Connection>> registry;
  std::function<void()> on_drained;
  bool drained_reported = false;

  net::awaitable<void> accept_loop();
  net::awaitable<void> sweep_loop();
  std::chrono::milliseconds sweep_interval() const;
  net::awaitable<boost::system::error_code> parse(tcp::socket& socket, beast::flat_buffer& buffer,
                                                  RequestParser& parser, Connection& conn,
                                                  bool header_only,
                                                  std::chrono::milliseconds timeout);
  void refuse(tcp::socket& socket);
  net::awaitable<void> session(tcp::socket socket, std::shared_ptr<Connection> conn);
  net::awaitable<bool> write_reply(tcp::socket& socket, Connection& conn, unsigned version,
                                   bool head, HttpResponse&& reply, bool keep_alive);
  net::awaitable<void> linger_close(tcp::socket& socket, Connection& conn,
                                    beast::flat_buffer& buffer);
  net::awaitable<HttpResponse> run_async_handler(const Route& route,
                                                 bhttp::request<bhttp::string_body>&& message,
                                                 RequestContext ctx);
  // What a client gets when its handler passes the deadline. Not part of the coroutine above: GCC
  // 12 at -O1 with sanitizers misreports Asio's frame deallocation there as mismatched otherwise.
  HttpResponse overrun_reply(const Route& route, const RequestContext& ctx) const;
  void unregister(const std::shared_ptr<Connection>& conn);
  void report_if_drained();
};

namespace {

void collect_headers(const bhttp::request<bhttp::string_body>& msg, HttpRequest::Headers& headers) {
  headers.clear();
  for (const auto& field : msg) headers.emplace_back(field.name_string(), field.value());
}

// Owns the Beast message an async handler reads from, so a handler that outlives its deadline
// (its reply discarded) never reads freed memory.
struct AsyncCall {
  AsyncCall(bhttp::request<bhttp::string_body>&& msg, RequestContext c, net::any_io_executor ex)
      : message(std::move(msg)),
        request(parse_method(message.method_string()), message.target(),
                (collect_headers(message, headers), headers), std::move(message.body())),
        ctx(c),
        deadline(std::move(ex)) {}
  bhttp::request<bhttp::string_body> message;
  HttpRequest::Headers headers;
  HttpRequest request;
  RequestContext ctx;
  std::string request_id_copy;
  std::string route_name_copy;
  std::string peer_copy;
  std::optional<HttpResponse> reply;
  net::steady_timer deadline;
};

net::awaitable<void> run_handler_into(std::shared_ptr<AsyncCall> call, const AsyncHandler* handler,
                                      std::shared_ptr<spdlog::logger> log) {
  try {
    call->reply = co_await (*handler)(call->request, call->ctx);
  } catch (const std::exception& e) {
    log->error("req={} route={} handler failed: {}", call->ctx.request_id, call->ctx.route_name,
               e.what());
    call->reply = HttpResponse::text(500, "internal error\n");
  }
  call->deadline.cancel();
}

}  // namespace

net::awaitable<HttpResponse> Server::Impl::run_async_handler(
    const Route& route, bhttp::request<bhttp::string_body>&& message, RequestContext ctx) {
  const AsyncHandler& handler = std::get<AsyncHandler>(route.handler);
  auto executor = co_await net::this_coro::executor;
  auto call = std::make_shared<AsyncCall>(std::move(message), ctx, executor);
  // The context's views must point into the call, which outlives this frame if the handler
  // overruns its deadline.
  call->request_id_copy = ctx.request_id;
  call->route_name_copy = ctx.route_name;
  call->peer_copy = ctx.peer_address;
  call->ctx = RequestContext{call->request_id_copy, call->route_name_copy, call->peer_copy};
  call->deadline.expires_after(limits.handler_timeout);
  net::co_spawn(executor, run_handler_into(call, &handler, log), net::detached);
  // Same strand: the handler cannot finish between this check and the wait starting.
  if (!call->reply) co_await call->deadline.async_wait(kTuple);
  if (call->reply) co_return std::move(*call->reply);
  co_return overrun_reply(route, ctx);
}

HttpResponse Server::Impl::overrun_reply(const Route& route, const RequestContext& ctx) const {
  // The route's shed reply too: a USSD user must get the apology, not a carrier error page.
  if (auto shed = route_shed_reply(route)) {
    log->warn("req={} route={} handler passed its {} ms deadline; answered the shed reply",
              ctx.request_id, ctx.route_name, limits.handler_timeout.count());
    return *shed;
  }
  log->warn("req={} route={} handler passed its {} ms deadline; answered 503", ctx.request_id,
            ctx.route_name, limits.handler_timeout.count());
  return HttpResponse::unavailable(limits.retry_after_s);
}

void Server::Impl::refuse(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(net::buffer(refusal.data(), refusal.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

net::awaitable<void> Server::Impl::accept_loop() {
  net::steady_timer backoff(acceptor.get_executor());
  auto last_warning = Clock::now() - std::chrono::hours(1);
  for (;;) {
    auto [ec, accepted] = co_await acceptor.async_accept(net::make_strand(io), kTuple);
    tcp::socket socket(std::move(accepted));  // keeps the strand, as any_io_executor
    if (stopping.load()) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) co_return;
      // EMFILE, ENFILE, ENOBUFS...: the listener stays open; pause instead of spinning, and warn
      // at most once a minute so a descriptor shortage cannot flood the log. The text comes from
      // strerrordesc_np, not ec.message(): with no descriptor left, even a sanitizer's check of
      // a virtual call fails.
      if (Clock::now() - last_warning > std::chrono::minutes(1)) {
        const char* what = ::strerrordesc_np(ec.value());
        log->warn("accept failed ({}); retrying every 50 ms", what != nullptr ? what : "?");
        last_warning = Clock::now();
      }
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    if (connections.load() >= limits.max_connections) {
      metrics.record_shed(ShedReason::kConnections);
      refuse(socket);
      continue;
    }
    connections.fetch_add(1);
    metrics.connection_opened();
    auto conn = std::make_shared<Connection>(socket.get_executor());
    {
      std::lock_guard lock(mu);
      registry.insert(conn);
    }
    net::co_spawn(conn->executor, session(std::move(socket), conn),
                  [self = shared_from_this()](std::exception_ptr e) {
                    if (!e) return;
                    try {
                      std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                      self->log->error("connection ended by exception: {}", ex.what());
                    }
                  });
  }
}

void Server::Impl::unregister(const std::shared_ptr<Connection>& conn) {
  {
    std::lock_guard lock(mu);
    registry.erase(conn);
  }
  connections.fetch_sub(1);
  metrics.connection_closed();
  report_if_drained();
}

void Server::Impl::report_if_drained() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mu);
    if (!stopping.load() || drained_reported || !registry.empty()) return;
    drained_reported = true;
    callback = std::move(on_drained);
  }
  drain_timer.cancel();
  net::post(acceptor.get_executor(), [self = shared_from_this()] { self->sweep_timer.cancel(); });
  if (callback) net::post(io, std::move(callback));
}

std::chrono::milliseconds Server::Impl::sweep_interval() const {
  const auto shortest = std::min({limits.header_timeout, limits.body_timeout, limits.idle_timeout,
                                  limits.write_timeout, std::chrono::milliseconds(kLingerTimeout)});
  return std::clamp(shortest / 5, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

net::awaitable<void> Server::Impl::sweep_loop() {
  const auto interval = sweep_interval();
  for (;;) {
    sweep_timer.expires_after(interval);
    auto [ec] = co_await sweep_timer.async_wait(kTuple);
    if (ec) co_return;  // cancelled once drained
    const auto now = now_ns();
    std::vector<std::shared_ptr<Connection>> overdue;
    {
      std::lock_guard lock(mu);
      for (const auto& conn : registry) {
        if (conn->overdue(now)) overdue.push_back(conn);
      }
    }
    for (auto& conn : overdue) {
      // Re-checked on the strand: the session may have moved on to a new phase meanwhile.
      net::post(conn->executor, [conn] {
        if (conn->socket != nullptr && conn->overdue(now_ns())) {
          boost::system::error_code close_ec;
          conn->socket->close(close_ec);
        }
      });
    }
  }
}

// Feeds the parser from the buffer and reads more only when it needs more: a request that arrived
// in one segment is parsed with no further I/O. Returns end_of_stream for a close before any byte,
// partial_message for a close mid-request, buffer_overflow when the bounded buffer fills, and
// header_limit for a head over limits.max_header_bytes.
//
// Beast 1.81 applies its header_limit to the unconsumed bytes of one put() only, not to the head
// as a whole: the first put() consumes the request line and every complete field it holds, and
// later puts measure only the rest. Left alone, a 12 KB head passed when the first read happened
// to consume 4 KB of it and failed when it came in small writes. So the head's size is counted
// here across puts: consumed octets plus those still buffered (the head has not ended in them).
net::awaitable<boost::system::error_code> Server::Impl::parse(tcp::socket& socket,
                                                              beast::flat_buffer& buffer,
                                                              RequestParser& parser,
                                                              Connection& conn, bool header_only,
                                                              std::chrono::milliseconds timeout) {
  conn.arm(timeout);
  std::size_t head_bytes = 0;  // header octets the parser consumed so far
  for (;;) {
    if (header_only ? parser.is_header_done() : parser.is_done())
      co_return boost::system::error_code{};
    if (buffer.size() > 0) {
      boost::system::error_code ec;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != bhttp::error::need_more) co_return ec;
      if (header_only) {
        head_bytes += used;
        const std::size_t unfinished = parser.is_header_done() ? 0 : buffer.size();
        if (head_bytes + unfinished > limits.max_header_bytes) co_return bhttp::error::header_limit;
      }
      if (!ec && used > 0) continue;
    }
    const std::size_t room = buffer.max_size() - buffer.size();
    if (room == 0) co_return bhttp::error::buffer_overflow;
    auto [ec, n] =
        co_await socket.async_read_some(buffer.prepare(std::min<std::size_t>(room, 4096)), kTuple);
    if (ec == net::error::eof) {
      co_return parser.got_some() ? bhttp::error::partial_message : bhttp::error::end_of_stream;
    }
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

net::awaitable<bool> Server::Impl::write_reply(tcp::socket& socket, Connection& conn,
                                               unsigned version, bool head, HttpResponse&& reply,
                                               bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), version};
  res.set(bhttp::field::content_type, reply.content_type);
  for (auto& [name, value] : reply.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(reply.body);
  res.prepare_payload();
  if (head) res.body().clear();  // Content-Length still describes the GET body (RFC 9110 §9.3.2)
  conn.arm(limits.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(socket, res, kTuple);
  co_return !ec;
}

net::awaitable<void> Server::Impl::linger_close(tcp::socket& socket, Connection& conn,
                                                beast::flat_buffer& buffer) {
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  std::size_t drained = 0;
  conn.arm(kLingerTimeout);
  while (!ec && drained < kLingerMaxBytes) {
    buffer.clear();
    std::size_t n = 0;
    std::tie(ec, n) = co_await socket.async_read_some(buffer.prepare(4096), kTuple);
    drained += n;
  }
}

net::awaitable<void> Server::Impl::session(tcp::socket socket, std::shared_ptr<Connection> conn) {
  conn->socket = &socket;
  struct Unregister {
    Impl* self;
    std::shared_ptr<Connection> conn;
    ~Unregister() {
      conn->socket = nullptr;
      self->unregister(conn);
    }
  } unregister_on_exit{this, conn};

  boost::system::error_code peer_ec;
  const std::string peer = socket.remote_endpoint(peer_ec).address().to_string();
  // Bounded so that no construct Beast 1.81 leaves unbounded (chunk extensions, trailers) can
  // grow memory: it ends in buffer_overflow instead.
  beast::flat_buffer buffer(limits.max_header_bytes + 512);
  HttpRequest::Headers headers;  // reused by every request on this connection
  bool first_request = true;

  for (;;) {
    if (buffer.size() == 0) {
      conn->state = ConnState::kIdle;
      if (stopping.load()) break;
      conn->arm(first_request ? limits.header_timeout : limits.idle_timeout);
      auto [ec, n] = co_await socket.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) break;  // closed, idle timeout, or cancelled by stop()
      buffer.commit(n);
    }
    conn->state = ConnState::kBusy;
    first_request = false;
    const auto started = Clock::now();
    const auto id = logging::RequestId::next();
    const std::string_view request_id = id.view();

    RequestParser parser;
    parser.header_limit(limits.max_header_bytes);
    parser.body_limit(limits.max_body_bytes);  // before the header is parsed: Beast #1770
    const auto hec = co_await parse(socket, buffer, parser, *conn, true, limits.header_timeout);

    std::size_t route_index = metrics.unmatched_index();
    std::string_view route_name = "unmatched";
    std::optional<EarlyReply> early;
    std::string allow;
    bool counted_inflight = false;
    std::shared_ptr<const HttpResponse> shed_reply;  // set when shed with the route's own reply
    if (hec) {
      if (hec == bhttp::error::header_limit || hec == bhttp::error::buffer_overflow) {
        early = EarlyReply{431, "header too large"};
      } else if (hec == bhttp::error::body_limit) {
        // Beast checks Content-Length against the global cap while parsing the header.
        early = EarlyReply{413, "body over the global limit"};
      } else if (hec == bhttp::error::end_of_stream || hec == bhttp::error::partial_message ||
                 hec == net::error::operation_aborted || hec == net::error::bad_descriptor ||
                 hec == net::error::connection_reset) {
        break;  // slow or gone client: nothing to answer
      } else {
        early = EarlyReply{400, "malformed request"};
      }
    }
    auto& msg = parser.get();
    const unsigned version = hec ? 11u : msg.version();
    const Method method = hec ? Method::kOther : parse_method(msg.method_string());

    if (!early) {
      const std::string_view target = msg.target();
      std::size_t field_count = 0;
      std::array<std::string_view, 4> te_values;
      std::array<std::string_view, 4> cl_values;
      std::size_t te_count = 0;
      std::size_t cl_count = 0;
      std::size_t host_count = 0;
      for (const auto& field : msg) {
        ++field_count;
        if (field.name() == bhttp::field::host) {
          ++host_count;
        } else if (field.name() == bhttp::field::transfer_encoding) {
          if (te_count < te_values.size()) te_values[te_count] = field.value();
          ++te_count;
        } else if (field.name() == bhttp::field::content_length) {
          if (cl_count < cl_values.size()) cl_values[cl_count] = field.value();
          ++cl_count;
        }
      }
      if (target.size() > limits.max_url_bytes) {
        early = EarlyReply{414, "URL too long"};
      } else if (field_count > limits.max_header_count) {
        early = EarlyReply{431, "too many header fields"};
      } else if (auto bad_host = check_host(version, host_count)) {
        early = EarlyReply{bad_host->status, bad_host->reason};
      } else if (te_count > te_values.size() || cl_count > cl_values.size()) {
        early = EarlyReply{400, "repeated framing fields"};
      } else if (auto bad = check_framing(
                     version, std::span<const std::string_view>(te_values.data(), te_count),
                     std::span<const std::string_view>(cl_values.data(), cl_count))) {
        early = EarlyReply{bad->status, bad->reason};
      } else if (auto bodiless = check_bodiless_method(is_bodiless_method(method), te_count > 0,
                                                       announced_length(parser))) {
        early = EarlyReply{bodiless->status, bodiless->reason};
      } else if (target.empty() || target.front() != '/') {
        early = EarlyReply{400, "request target must be a path"};
      }
    }

    const Route* route = nullptr;
    if (!early) {
      const std::string_view target = msg.target();
      RouteMatch match = router.match(method, target.substr(0, target.find('?')));
      if (match.route == nullptr) {
        early = EarlyReply{404, "no route"};
      } else {
        route_index = match.index;
        route_name = match.route->name;
        if (!match.method_allowed) {
          early = EarlyReply{405, "method not allowed"};
          allow = std::move(match.allow);
        } else {
          route = match.route;
        }
      }
    }
    // Shedding looks at the gauge twice: once the header is routed (an overloaded server does not
    // read the body of a request it will refuse), and when the body is in, where the slot is
    // taken. A slot is never held while a body trickles in: a thousand slow-body connections
    // would otherwise fill max_inflight and shed every legitimate request (found by slowhttptest
    // -B in tests/bench/hostile_slow.sh); slow bodies are bounded by body_timeout instead.
    const auto shed = [&](ShedClass shed_class) {
      metrics.record_shed(shed_class);
      shed_reply = route_shed_reply(*route);
      early = EarlyReply{503, overload_reason(shed_class)};
    };
    const auto admit_limit = [&] {
      return admit_below[static_cast<std::size_t>(route->options.shed_class)];
    };
    if (route != nullptr) {
      const std::uint64_t cap =
          route->options.max_body_bytes
              ? std::min(*route->options.max_body_bytes, limits.max_body_bytes)
              : limits.max_body_bytes;
      const auto content_length = parser.content_length();
      // GET and HEAD never carry a body here (refused above), so only body-carrying methods
      // need the length: the Kannel route takes plain GETs.
      if (route->options.requires_content_length && !is_bodiless_method(method) &&
          !content_length) {
        early = EarlyReply{411, "Content-Length required"};
      } else if (content_length && *content_length > cap) {
        early = EarlyReply{413, "body over the route's limit"};
      } else {
        parser.body_limit(cap);  // bounds chunked bodies, whose size is unknown up front
        if (!route->options.exempt_from_shedding && load->current() >= admit_limit()) {
          shed(route->options.shed_class);
        }
      }
    }

    if (!early && !parser.is_done()) {
      parser.eager(true);
      const auto bec = co_await parse(socket, buffer, parser, *conn, false, limits.body_timeout);
      if (bec == bhttp::error::body_limit) {
        early = EarlyReply{413, "body over the route's limit"};
      } else if (bec == bhttp::error::partial_message || bec == bhttp::error::end_of_stream ||
                 bec == net::error::connection_reset || bec == net::error::operation_aborted ||
                 bec == net::error::bad_descriptor) {
        break;  // the client never finished its request: nothing was processed
      } else if (bec) {
        early = EarlyReply{400, "malformed body"};
      }
    }
    if (!early && route != nullptr && !route->options.exempt_from_shedding) {
      if (load->try_acquire(admit_limit())) {
        counted_inflight = true;
      } else {
        shed(route->options.shed_class);
      }
    }

    const bool client_keep_alive = !hec && msg.keep_alive();  // read before the message moves
    HttpResponse reply;
    // A request whose body was not read leaves unknown bytes on the wire: close after replying.
    bool must_close = false;
    if (early && shed_reply) {
      reply = *shed_reply;
      must_close = !parser.is_done();
      log->info("req={} route={} shed: {}; answered the route's shed reply", request_id, route_name,
                early->reason);
    } else if (early) {
      const std::string reason = std::string(reason_text(early->status)) + "\n";
      reply = early->status == 503 ? HttpResponse::unavailable(limits.retry_after_s, reason)
                                   : HttpResponse::text(early->status, reason);
      if (early->status == 405) reply.headers.emplace_back("Allow", allow);
      must_close = hec || !parser.is_done();
      if (early->status >= 400 && early->status != 404 && early->status != 405) {
        log->info("req={} route={} rejected {}: {}", request_id, route_name, early->status,
                  early->reason);
      }
    } else {
      conn->disarm();  // the handler has its own deadline; the socket is idle meanwhile
      RequestContext ctx{request_id, route_name, peer};
      try {
        if (const auto* sync = std::get_if<SyncHandler>(&route->handler)) {
          collect_headers(msg, headers);
          HttpRequest request(method, msg.target(), headers, std::move(msg.body()));
          reply = (*sync)(request, ctx);
        } else {
          reply = co_await run_async_handler(*route, parser.release(), ctx);
        }
      } catch (const std::exception& e) {
        log->error("req={} route={} handler failed: {}", request_id, route_name, e.what());
        reply = HttpResponse::text(500, "internal error\n");
      }
      if (counted_inflight) load->release();
    }

    const bool keep_alive =
        !must_close && !reply.close_connection && !stopping.load() && client_keep_alive;
    const unsigned status = reply.status;
    const bool written = co_await write_reply(socket, *conn, version, method == Method::kHead,
                                              std::move(reply), keep_alive);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    metrics.record_request(route_index, status, seconds);
    if (limits.access_log) {
      log->info("req={} route={} status={} ms={:.3f}", request_id, route_name, status,
                seconds * 1e3);
    }
    if (!written) break;
    if (!keep_alive) {
      if (must_close) co_await linger_close(socket, *conn, buffer);
      break;
    }
  }
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

Server::Server(net::io_context& io, const Router& router, ServerMetrics& metrics,
               ServerLimits limits, std::shared_ptr<LoadGauge> load)
    : impl_(std::make_shared<Impl>(io, router, metrics, limits, std::move(load))) {}

Server::~Server() = default;

Result<std::uint16_t> Server::start(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "server.listen", "expected HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = listen.substr(colon + 1);
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto results =
      resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "server.listen",
                      fmt::format("cannot resolve {}: {}", listen, ec.message()));
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorCode::kUnavailable, "server.listen",
                      fmt::format("cannot listen on {}: {}", listen, ec.message()));
  }
  const std::uint16_t bound = acceptor.local_endpoint(ec).port();
  net::co_spawn(acceptor.get_executor(), impl_->accept_loop(), net::detached);
  net::co_spawn(acceptor.get_executor(), impl_->sweep_loop(), net::detached);
  return bound;
}

void Server::stop(std::chrono::milliseconds drain_timeout, std::function<void()> on_drained) {
  auto self = impl_;
  net::post(self->acceptor.get_executor(),
            [self, drain_timeout, cb = std::move(on_drained)]() mutable {
              {
                std::lock_guard lock(self->mu);
                if (self->stopping.exchange(true)) return;
                self->on_drained = std::move(cb);
              }
              boost::system::error_code ec;
              self->acceptor.close(ec);
              std::vector<std::shared_ptr<Connection>> conns;
              {
                std::lock_guard lock(self->mu);
                conns.assign(self->registry.begin(), self->registry.end());
              }
              for (auto& conn : conns) {
                net::post(conn->executor, [conn] {
                  if (conn->socket != nullptr && conn->state == ConnState::kIdle) {
                    boost::system::error_code cancel_ec;
                    conn->socket->cancel(cancel_ec);
                  }
                });
              }
              self->drain_timer.expires_after(drain_timeout);
              self->drain_timer.async_wait([self](boost::system::error_code wait_ec) {
                if (wait_ec) return;  // drained in time
                std::vector<std::shared_ptr<Connection>> left;
                {
                  std::lock_guard lock(self->mu);
                  left.assign(self->registry.begin(), self->registry.end());
                }
                if (!left.empty()) {
                  self->log->warn("drain deadline passed; closing {} connection(s)", left.size());
                }
                for (auto& conn : left) {
                  net::post(conn->executor, [conn] {
                    if (conn->socket != nullptr) {
                      boost::system::error_code cancel_ec;
                      conn->socket->close(cancel_ec);
                    }
                  });
                }
              });
              self->report_if_drained();
            });
}

std::int64_t Server::open_connections() const noexcept {
  return static_cast<std::int64_t>(impl_->connections.load());
}

}  // namespace ventanilla::http
