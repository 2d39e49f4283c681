// The benchmark's yardstick: the cheapest honest Beast 1.81 HTTP/1.1 server, with the same shape
// as ventanilla's (one io_context run by N threads, one strand per connection, a C++20 coroutine
// per connection, keep-alive) and none of its work (no limits, deadlines, metrics, routing or
// logging). ventanilla/baseline req/s on /healthz is then "what our safety costs".
//
// Usage: baseline_server PORT [IO_THREADS=2]
//   Listens on 127.0.0.1:PORT (0 = any free port) and prints "listening on 127.0.0.1:PORT".
//   GET /healthz → 200 "ok\n" text/plain; anything else → 404. SIGINT/SIGTERM stop it (exit 0).
//   Exit codes: 0 stopped by a signal, 1 bind/listen failed, 2 bad usage.
//
// Not part of the CMake build: tests/bench/run.sh compiles it directly.

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
#include <csignal>
#include <cstdio>
#include <exception>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

http::response<http::string_body> answer(const http::request<http::string_body>& req) {
  const bool healthz = req.method() == http::verb::get && req.target() == "/healthz";
  http::response<http::string_body> res{healthz ? http::status::ok : http::status::not_found,
                                        req.version()};
  res.set(http::field::content_type, "text/plain");
  res.body() = healthz ? "ok\n" : "not found\n";
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

net::awaitable<void> serve_connection(tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [read_ec, read_n] = co_await http::async_read(socket, buffer, req, kTuple);
    if (read_ec) break;  // end_of_stream, reset or a malformed request: just drop the connection
    auto res = answer(req);
    auto [write_ec, write_n] = co_await http::async_write(socket, res, kTuple);
    if (write_ec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    // Each connection gets its own strand so N threads can run connections in parallel while one
    // connection's steps never overlap.
    auto [ec, socket] =
        co_await acceptor.async_accept(net::make_strand(acceptor.get_executor()), kTuple);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. EMFILE under a connection flood: keep accepting
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve_connection(std::move(socket)), net::detached);
  }
}

bool parse_number(std::string_view text, unsigned& out) {
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

int run(int argc, char** argv) {
  unsigned port = 0;
  unsigned threads = 2;
  if (argc < 2 || argc > 3 || !parse_number(argv[1], port) || port > 65535 ||
      (argc == 3 && (!parse_number(argv[2], threads) || threads == 0 || threads > 64))) {
    std::fprintf(stderr, "usage: %s PORT [IO_THREADS=2]\n", argv[0]);
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
    std::fprintf(stderr, "baseline_server: cannot listen on 127.0.0.1:%u: %s\n", port,
                 ec.message().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  net::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  net::co_spawn(io, accept_loop(acceptor), net::detached);

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
    std::fprintf(stderr, "baseline_server: %s\n", e.what());
    return 1;
  }
}
