#include "outbound/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

namespace ventanilla::outbound {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;

using Request = bhttp::request<bhttp::string_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

char lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_ascii(x) == lower_ascii(y);
         });
}

// Where a call goes. `host` is what we connect to and verify (IPv6 without brackets);
// `host_header` is what the server is told.
struct Target {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string host_header;
  std::string target;  // origin-form: path + query, never empty

  std::string pool_key() const {
    return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port);
  }
  // host:port for error details (no path or query: they may carry credentials, e.g. Kannel).
  std::string where() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

std::optional<Target> parse_target(std::string_view url, std::string& why) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    why = "url is not an absolute URI";
    return std::nullopt;
  }
  const boost::urls::url_view u = *parsed;
  Target t;
  if (u.scheme_id() == boost::urls::scheme::https) {
    t.tls = true;
    t.port = 443;
  } else if (u.scheme_id() == boost::urls::scheme::http) {
    t.port = 80;
  } else {
    why = "url scheme is not http or https";
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    why = "url carries userinfo (credentials belong in headers)";
    return std::nullopt;
  }
  if (u.host_type() != boost::urls::host_type::name &&
      u.host_type() != boost::urls::host_type::ipv4 &&
      u.host_type() != boost::urls::host_type::ipv6) {
    why = "url has no usable host";
    return std::nullopt;
  }
  t.host = u.host_address();
  for (char& c : t.host) c = lower_ascii(c);
  if (t.host.empty()) {
    why = "url has no host";
    return std::nullopt;
  }
  if (u.has_port() && !u.port().empty()) {
    if (u.port_number() == 0) {
      why = "url port is not 1-65535";
      return std::nullopt;
    }
    t.port = u.port_number();
  }
  const bool default_port = t.port == (t.tls ? 443 : 80);
  t.host_header = std::string(u.encoded_host());
  if (!default_port) t.host_header += ":" + std::to_string(t.port);
  t.target = std::string(u.encoded_path());
  if (t.target.empty()) t.target = "/";
  if (u.has_query()) t.target += "?" + std::string(u.encoded_query());
  return t;
}

bool safe_header_text(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

TransportError fail(TransportErrorKind kind, bool sent, std::string detail) {
  return TransportError{.kind = kind, .request_sent = sent, .detail = std::move(detail)};
}

bool is_timeout(const error_code& ec) noexcept { return ec == beast::error::timeout; }

// After the connection is up: what a failed write or read means.
TransportErrorKind classify_io_error(const error_code& ec) noexcept {
  if (is_timeout(ec)) return TransportErrorKind::kTimeout;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    // The connection ended (cleanly or not) before a whole response: the peer went away.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
      return TransportErrorKind::kReset;
    }
    return TransportErrorKind::kProtocol;  // not HTTP, or over a limit
  }
  if (ec == ssl::error::stream_truncated || ec == net::error::eof ||
      ec == net::error::connection_reset || ec == net::error::broken_pipe ||
      ec == net::error::connection_aborted || ec == net::error::not_connected) {
    return TransportErrorKind::kReset;
  }
  if (ec.category() == net::error::get_ssl_category()) return TransportErrorKind::kProtocol;
  return TransportErrorKind::kReset;
}

struct Connection {
  std::string key;
  std::unique_ptr<beast::tcp_stream> plain;  // exactly one of plain / tls is set
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void close() {
    error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
  }

  // Non-blocking look at an idle socket: a server that closed it (FIN or RST) or sent bytes
  // nobody asked for makes it unusable. Catches the common stale case before we write a request
  // the carrier would never see (which would otherwise read as "in doubt").
  bool looks_reusable() {
    if (buffer.size() != 0) return false;
    auto& socket = tcp().socket();
    if (!socket.is_open()) return false;
    if (tls && SSL_pending(tls->native_handle()) > 0) return false;
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) return false;  // 0: closed by the peer; > 0: stray bytes (or a TLS alert)
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
};

// One request/response on an open connection.
struct ExchangeOutcome {
  std::optional<carriers::HttpAnswer> answer;
  bool keep_alive = false;
  TransportError error;
  bool response_started = false;  // some response byte arrived before the failure
};

template <class Stream>
net::awaitable<ExchangeOutcome> exchange_on(Stream& stream, beast::tcp_stream& lowest,
                                            beast::flat_buffer& buffer, const Request& request,
                                            bool head, Clock::time_point deadline,
                                            std::size_t max_body, const std::string& where) {
  ExchangeOutcome out;
  lowest.expires_at(deadline);
  auto [wec, written] = co_await bhttp::async_write(stream, request, kTuple);
  (void)written;
  if (wec) {
    out.error = fail(classify_io_error(wec), false, "write " + where + ": " + wec.message());
    co_return out;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(max_body);
  if (head) parser.skip(true);
  auto [rec, read] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  (void)read;
  if (rec) {
    out.response_started = parser.got_some() || buffer.size() != 0;
    std::string what = rec == bhttp::error::body_limit     ? "response body over the limit"
                       : rec == bhttp::error::header_limit ? "response header over the limit"
                                                           : rec.message();
    out.error = fail(classify_io_error(rec), true, "read " + where + ": " + what);
    co_return out;
  }
  lowest.expires_never();
  auto message = parser.release();
  carriers::HttpAnswer answer;
  answer.status = message.result_int();
  for (const auto& field : message) {
    answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  answer.body = std::move(message.body());
  out.keep_alive = message.keep_alive() && buffer.size() == 0;
  out.answer = std::move(answer);
  co_return out;
}

std::string tls_failure_detail(const error_code& ec, SSL* ssl, const std::string& where) {
  std::string detail = "tls handshake " + where + ": " + ec.message();
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    detail += " (";
    detail += X509_verify_cert_error_string(verify);
    detail += ")";
  }
  return detail;
}

}  // namespace

std::string_view to_string(TransportErrorKind kind) noexcept {
  switch (kind) {
    case TransportErrorKind::kInvalidRequest:
      return "invalid_request";
    case TransportErrorKind::kResolve:
      return "resolve";
    case TransportErrorKind::kConnect:
      return "connect";
    case TransportErrorKind::kTls:
      return "tls";
    case TransportErrorKind::kTimeout:
      return "timeout";
    case TransportErrorKind::kReset:
      return "reset";
    case TransportErrorKind::kProtocol:
      return "protocol";
  }
  return "unknown";
}

struct HttpClient::Impl {
  Impl(net::any_io_executor ex, HttpClientOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), tls_context(ssl::context::tls_client) {
    tls_context.set_default_verify_paths();
    if (!options.extra_ca_file.empty()) {
      error_code ec;
      tls_context.load_verify_file(options.extra_ca_file, ec);
      if (ec) {
        throw std::runtime_error("cannot load extra CA file " + options.extra_ca_file + ": " +
                                 ec.message());
      }
    }
    tls_context.set_verify_mode(ssl::verify_peer);
    tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
  }

  ~Impl() {
    for (auto& [key, list] : idle) {
      for (auto& conn : list) conn->close();
    }
  }

  net::any_io_executor executor;
  const HttpClientOptions options;
  ssl::context tls_context;
  std::size_t opened = 0;
  // Oldest first; at most options.max_idle_per_origin per key.
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;

  void prune(Clock::time_point now) {
    for (auto it = idle.begin(); it != idle.end();) {
      auto& list = it->second;
      while (!list.empty() && now - list.front()->idle_since >= options.idle_timeout) {
        list.front()->close();
        list.pop_front();
      }
      it = list.empty() ? idle.erase(it) : std::next(it);
    }
  }

  // The most recently used idle connection that still looks usable, or null.
  std::unique_ptr<Connection> checkout(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    std::unique_ptr<Connection> found;
    auto& list = it->second;
    while (!list.empty() && !found) {
      auto candidate = std::move(list.back());
      list.pop_back();
      if (candidate->looks_reusable()) {
        found = std::move(candidate);
      } else {
        candidate->close();
      }
    }
    if (list.empty()) idle.erase(it);
    return found;
  }

  void checkin(std::unique_ptr<Connection> conn) {
    if (options.max_idle_per_origin == 0) {
      conn->close();
      return;
    }
    conn->idle_since = Clock::now();
    auto& list = idle[conn->key];
    list.push_back(std::move(conn));
    while (list.size() > options.max_idle_per_origin) {
      list.front()->close();
      list.pop_front();
    }
  }

  struct Opened {
    std::unique_ptr<Connection> conn;
    TransportError error;
  };

  net::awaitable<tcp::resolver::results_type> resolve(const Target& t, Clock::time_point until,
                                                      TransportError& error) {
    error_code aec;
    const auto address = net::ip::make_address(t.host, aec);
    if (!aec) {
      co_return tcp::resolver::results_type::create(tcp::endpoint(address, t.port), t.host,
                                                    std::to_string(t.port));
    }
    using namespace net::experimental::awaitable_operators;
    tcp::resolver resolver(executor);
    net::steady_timer timer(executor, until);
    auto resolving = resolver.async_resolve(t.host, std::to_string(t.port), kTuple);
    auto timing = timer.async_wait(kTuple);
    auto race = std::move(resolving) || std::move(timing);
    auto winner = co_await std::move(race);
    if (winner.index() == 1) {
      error = fail(TransportErrorKind::kResolve, false, "resolve " + t.where() + ": timed out");
      co_return tcp::resolver::results_type{};
    }
    auto [ec, results] = std::get<0>(std::move(winner));
    if (ec || results.empty()) {
      error = fail(TransportErrorKind::kResolve, false,
                   "resolve " + t.where() + ": " + (ec ? ec.message() : "no address"));
      co_return tcp::resolver::results_type{};
    }
    co_return results;
  }

  net::awaitable<Opened> open(const Target& t, Clock::time_point deadline) {
    Opened out;
    const auto connect_until = std::min(deadline, Clock::now() + options.connect_timeout);
    auto endpoints = co_await resolve(t, connect_until, out.error);
    if (endpoints.empty()) co_return out;

    auto stream = std::make_unique<beast::tcp_stream>(executor);
    stream->expires_at(connect_until);
    auto [cec, endpoint] = co_await stream->async_connect(endpoints, kTuple);
    (void)endpoint;
    if (cec) {
      out.error = fail(TransportErrorKind::kConnect, false,
                       "connect " + t.where() + ": " +
                           (is_timeout(cec) ? std::string("timed out") : cec.message()));
      co_return out;
    }
    ++opened;
    error_code ignored;
    stream->socket().set_option(tcp::no_delay(true), ignored);

    auto conn = std::make_unique<Connection>();
    conn->key = t.pool_key();
    if (!t.tls) {
      stream->expires_never();
      conn->plain = std::move(stream);
      out.conn = std::move(conn);
      co_return out;
    }

    conn->tls = std::make_unique<TlsStream>(std::move(*stream), tls_context);
    SSL* ssl_handle = conn->tls->native_handle();
    error_code not_ip;
    net::ip::make_address(t.host, not_ip);
    if (not_ip) {
      // SNI is for names only (RFC 6066 §3); the name is also what the certificate must match.
      // SSL_set_tlsext_host_name() is a macro with a C cast; this is its expansion.
      if (SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(t.host.c_str())) != 1 ||
          SSL_set1_host(ssl_handle, t.host.c_str()) != 1) {
        out.error = fail(TransportErrorKind::kTls, false, "tls setup " + t.where());
        co_return out;
      }
    } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), t.host.c_str()) != 1) {
      out.error = fail(TransportErrorKind::kTls, false, "tls setup " + t.where());
      co_return out;
    }
    beast::get_lowest_layer(*conn->tls).expires_at(deadline);
    auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, kTuple);
    if (hec) {
      out.error = is_timeout(hec) ? fail(TransportErrorKind::kTimeout, false,
                                         "tls handshake " + t.where() + ": timed out")
                                  : fail(TransportErrorKind::kTls, false,
                                         tls_failure_detail(hec, ssl_handle, t.where()));
      conn->close();
      co_return out;
    }
    beast::get_lowest_layer(*conn->tls).expires_never();
    out.conn = std::move(conn);
    co_return out;
  }

  net::awaitable<ExchangeOutcome> exchange(Connection& conn, const Request& request, bool head,
                                           Clock::time_point deadline, const std::string& where) {
    if (conn.tls) {
      co_return co_await exchange_on(*conn.tls, conn.tcp(), conn.buffer, request, head, deadline,
                                     options.max_response_bytes, where);
    }
    co_return co_await exchange_on(*conn.plain, conn.tcp(), conn.buffer, request, head, deadline,
                                   options.max_response_bytes, where);
  }

  net::awaitable<HttpClientResult> send(carriers::HttpCall& call) {
    const auto start = Clock::now();
    const auto deadline = start + options.request_timeout;
    prune(start);

    std::string why;
    const auto target = parse_target(call.url, why);
    if (!target) co_return fail(TransportErrorKind::kInvalidRequest, false, why);
    if (!is_token(call.method)) {
      co_return fail(TransportErrorKind::kInvalidRequest, false, "method is not an HTTP token");
    }

    Request request;
    request.version(11);
    request.method_string(call.method);
    request.target(target->target);
    request.set(bhttp::field::host, target->host_header);
    bool has_user_agent = false;
    for (const auto& [name, value] : call.headers) {
      if (!is_token(name) || !safe_header_text(value)) {
        co_return fail(TransportErrorKind::kInvalidRequest, false,
                       "header name or value is not valid HTTP");
      }
      // Framing and connection management belong to the client.
      if (iequals(name, "host") || iequals(name, "content-length") ||
          iequals(name, "transfer-encoding") || iequals(name, "connection")) {
        continue;
      }
      if (iequals(name, "user-agent")) has_user_agent = true;
      request.insert(name, value);
    }
    if (!has_user_agent) request.set(bhttp::field::user_agent, options.user_agent);
    request.body() = std::move(call.body);
    request.prepare_payload();

    const bool head = request.method() == bhttp::verb::head;
    const bool idempotent = head || request.method() == bhttp::verb::get;
    const std::string key = target->pool_key();
    const std::string where = target->where();

    for (int attempt = 0;; ++attempt) {
      // A retry always goes on a fresh connection.
      auto conn = attempt == 0 ? checkout(key) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) {
        auto opened_conn = co_await open(*target, deadline);
        if (!opened_conn.conn) co_return std::move(opened_conn.error);
        conn = std::move(opened_conn.conn);
      }
      auto outcome = co_await exchange(*conn, request, head, deadline, where);
      if (outcome.answer) {
        if (outcome.keep_alive) {
          checkin(std::move(conn));
        } else {
          conn->close();
        }
        co_return std::move(*outcome.answer);
      }
      conn->close();
      // A reused connection can still die between our check and the server reading the request.
      // Only an incomplete write (nothing the server could act on) or an idempotent request with
      // no answer at all is safe to repeat.
      const bool retry = reused && outcome.error.kind == TransportErrorKind::kReset &&
                         (!outcome.error.request_sent || (idempotent && !outcome.response_started));
      if (!retry) co_return std::move(outcome.error);
    }
  }

  std::size_t idle_count() const noexcept {
    std::size_t n = 0;
    for (const auto& [key, list] : idle) n += list.size();
    return n;
  }
};

HttpClient::HttpClient(net::any_io_executor executor, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() = default;

net::awaitable<HttpClientResult> HttpClient::send(carriers::HttpCall call) {
  // Keeps the pool and TLS context alive for this send even if the client goes first.
  const std::shared_ptr<Impl> impl = impl_;
  co_return co_await impl->send(call);
}

std::size_t HttpClient::connections_opened() const noexcept { return impl_->opened; }

std::size_t HttpClient::idle_connections() const noexcept { return impl_->idle_count(); }

}  // namespace ventanilla::outbound
