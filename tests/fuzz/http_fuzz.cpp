// A whole HTTP request through the server's framing and limits (the real Beast server of
// gateway/http, in process, on a loopback port): bytes in, then a half-close, and every byte the
// server answers must be well-formed responses, never a 500, and the connection must end — the
// server keeps serving, which a /healthz canary checks every 64 inputs.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "fuzz_target.hpp"
#include "http/router.hpp"
#include "support/in_process_server.hpp"
#include "support/raw_http.hpp"

namespace ventanilla::fuzz {
namespace {

using namespace std::chrono_literals;

http::Router fuzz_router() {
  http::Router router;
  router.add({.name = "healthz",
              .path = "/healthz",
              .methods = {http::Method::kGet},
              .handler = http::SyncHandler([](const http::HttpRequest&, http::RequestContext&) {
                return http::HttpResponse::text(200, "ok\n");
              }),
              .options = {.exempt_from_shedding = true}});
  // A webhook-like route: a small body cap and Content-Length required, as carrier routes have.
  router.add({.name = "hook",
              .path = "/v1/hook",
              .methods = {http::Method::kPost, http::Method::kGet},
              .handler = http::SyncHandler([](const http::HttpRequest& req, http::RequestContext&) {
                return http::HttpResponse::text(200, std::to_string(req.body().size()));
              }),
              .options = {.max_body_bytes = 4096, .requires_content_length = true}});
  router.add({.name = "echo",
              .path = "/echo",
              .methods = {http::Method::kPost, http::Method::kPut},
              .handler = http::SyncHandler([](const http::HttpRequest& req, http::RequestContext&) {
                return http::HttpResponse::text(200, req.body());
              })});
  return router;
}

test::InProcessServer& server() {
  static test::InProcessServer* instance = [] {
    http::ServerLimits limits;
    limits.max_body_bytes = 16 * 1024;
    limits.header_timeout = 2s;
    limits.body_timeout = 2s;
    limits.idle_timeout = 2s;
    limits.handler_timeout = 2s;
    // Leaked on purpose: stopping it from a static destructor would race the exit path.
    return new test::InProcessServer(fuzz_router(), limits, 2);
  }();
  return *instance;
}

// Everything the server writes until it closes; property_failed if it neither closes nor answers
// within the deadline after our half-close.
std::string read_until_closed(int fd) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      property_failed("the server closes after a half-close", __FILE__, __LINE__);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;  // EOF or reset: both end the connection
    out.append(buf, static_cast<std::size_t>(n));
  }
}

void check_responses(std::string_view bytes) {
  // Each response starts with a status line; we only check the ones we can find by their
  // status line, and that no answer is a 500 (an exception escaped a handler or the parser).
  std::size_t at = 0;
  FUZZ_CHECK(bytes.empty() || bytes.starts_with("HTTP/1.1 ") || bytes.starts_with("HTTP/1.0 "));
  while ((at = bytes.find("HTTP/1.", at)) != std::string_view::npos) {
    const std::string_view status = bytes.substr(at + 9, 3);
    if (status.size() == 3 && bytes.substr(at + 8, 1) == " ") FUZZ_CHECK(status != "500");
    at += 9;
  }
}

}  // namespace
}  // namespace ventanilla::fuzz

VENTANILLA_FUZZ_TARGET(http_request) {
  namespace vf = ventanilla::fuzz;
  static std::size_t inputs = 0;
  auto& server = vf::server();
  {
    ventanilla::test::RawConnection conn(server.port());
    (void)conn.send(data);  // the server may close before taking everything: that is allowed
    ::shutdown(conn.fd(), SHUT_WR);
    vf::check_responses(vf::read_until_closed(conn.fd()));
  }
  if (++inputs % 64 == 0) {
    ventanilla::test::RawConnection canary(server.port());
    FUZZ_CHECK(canary.send("GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n"));
    const auto response = canary.read_response(std::chrono::seconds(5));
    FUZZ_CHECK(response.has_value() && response->status == 200);
  }
}
