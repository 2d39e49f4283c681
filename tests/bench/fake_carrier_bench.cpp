// The carrier end of tests/bench/outbox_bench.sh: an Africa's Talking SMS API that accepts every
// message at once, so the outbox drain rate measured against it is ventanilla's own (leasing,
// unsealing, the HTTP call, the durable state change), not a carrier's.
//
// Usage: fake_carrier_bench PORT [IO_THREADS=1]
//   Listens on 127.0.0.1:PORT (0 = any free port) and prints "listening on 127.0.0.1:PORT".
//   POST /version1/messaging with an apiKey header and a form body holding `to` → 201 with AT's
//     JSON (Recipients[0].statusCode 101 "Success" and a messageId unique to this process),
//     keep-alive as the client asks.
//   GET /healthz → 200 "ok" (for the script's start-up check; not counted).
//   GET /stats → 200 text/plain, one "name value" per line: calls (accepted sends), distinct_to
//     (different `to` values among them; every benchmark message has its own recipient, so
//     calls - distinct_to is the number of messages sent twice), bad (any other request,
//     answered 400/404), first_ns and last_ns (CLOCK_REALTIME of the first and last accepted
//     send, 0 before any).
//   SIGINT/SIGTERM stop it (exit 0). Exit codes: 0 stopped by a signal, 1 bind/listen failed,
//   2 bad usage.
//
// Not part of the CMake build: outbox_bench.sh compiles it directly, as run.sh does
// baseline_server.cpp.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

// What /stats reports. One mutex: at a few thousand calls a second it is never contended long.
struct Tally {
  std::mutex mutex;
  std::uint64_t calls = 0;
  std::uint64_t bad = 0;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::unordered_set<std::string> recipients;
};

std::int64_t realtime_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The raw (still %-encoded) value of `name` in a form body, or "" when absent. The benchmark only
// compares values with each other, so there is no need to decode them.
std::string_view form_value(std::string_view body, std::string_view name) {
  std::size_t at = 0;
  while (at <= body.size()) {
    const std::size_t end = std::min(body.find('&', at), body.size());
    const std::string_view pair = body.substr(at, end - at);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    at = end + 1;
  }
  return {};
}

http::response<http::string_body> reply(unsigned version, http::status status,
                                        std::string_view type, std::string body) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, type);
  res.body() = std::move(body);
  return res;
}

http::response<http::string_body> answer(const http::request<http::string_body>& req,
                                         Tally& tally) {
  if (req.method() == http::verb::get && req.target() == "/stats") {
    std::lock_guard lock(tally.mutex);
    return reply(req.version(), http::status::ok, "text/plain",
                 "calls " + std::to_string(tally.calls) + "\ndistinct_to " +
                     std::to_string(tally.recipients.size()) + "\nbad " +
                     std::to_string(tally.bad) + "\nfirst_ns " + std::to_string(tally.first_ns) +
                     "\nlast_ns " + std::to_string(tally.last_ns) + "\n");
  }
  if (req.method() == http::verb::get && req.target() == "/healthz") {
    return reply(req.version(), http::status::ok, "text/plain", "ok\n");
  }
  if (req.method() != http::verb::post || req.target() != "/version1/messaging") {
    std::lock_guard lock(tally.mutex);
    ++tally.bad;
    return reply(req.version(), http::status::not_found, "text/plain", "not found\n");
  }
  const std::string_view to = form_value(req.body(), "to");
  if (to.empty() || req.find("apiKey") == req.end()) {
    std::lock_guard lock(tally.mutex);
    ++tally.bad;
    return reply(req.version(), http::status::bad_request, "text/plain", "no apiKey or to\n");
  }
  std::uint64_t n = 0;
  {
    std::lock_guard lock(tally.mutex);
    n = ++tally.calls;
    const auto now = realtime_ns();
    if (tally.first_ns == 0) tally.first_ns = now;
    tally.last_ns = now;
    tally.recipients.emplace(to);
  }
  // The shape of AT's answer to a one-recipient send (carrier-protocols.md §1.4).
  return reply(req.version(), http::status::created, "application/json",
               R"({"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: KES 0.8000",)"
               R"("Recipients":[{"statusCode":101,"number":"bench","status":"Success",)"
               R"("cost":"KES 0.8000","messageId":"ATXid_bench)" +
                   std::to_string(n) + R"("}]}})");
}

net::awaitable<void> serve_connection(tcp::socket socket, Tally& tally) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [read_ec, read_n] = co_await http::async_read(socket, buffer, req, kTuple);
    if (read_ec) break;  // end_of_stream, reset or a malformed request: drop the connection
    auto res = answer(req, tally);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [write_ec, write_n] = co_await http::async_write(socket, res, kTuple);
    if (write_ec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, Tally& tally) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(net::make_strand(acceptor.get_executor()), kTuple);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve_connection(std::move(socket), tally), net::detached);
  }
}

bool parse_number(std::string_view text, unsigned& out) {
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

int run(int argc, char** argv) {
  unsigned port = 0;
  unsigned threads = 1;
  if (argc < 2 || argc > 3 || !parse_number(argv[1], port) || port > 65535 ||
      (argc == 3 && (!parse_number(argv[2], threads) || threads == 0 || threads > 64))) {
    std::fprintf(stderr, "usage: %s PORT [IO_THREADS=1]\n", argv[0]);
    return 2;
  }

  net::io_context io{static_cast<int>(threads)};
  tcp::acceptor acceptor{io};
  boost::system::error_code ec;
  const tcp::endpoint endpoint{net::ip::make_address_v4("127.0.0.1"),
                               static_cast<unsigned short>(port)};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "fake_carrier_bench: cannot listen on 127.0.0.1:%u: %s\n", port,
                 ec.message().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  Tally tally;
  net::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  net::co_spawn(io, accept_loop(acceptor, tally), net::detached);

  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_carrier_bench: %s\n", e.what());
    return 1;
  }
}
