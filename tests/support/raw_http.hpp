#pragma once
// A deliberately dumb HTTP/1.1 client over a blocking POSIX socket: tests need to send malformed,
// split and slow requests that no real client library would produce, and to see exactly what the
// server wrote back (including a connection closed without a reply).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ventanilla::test {

struct RawResponse {
  int status = 0;
  std::string reason;
  std::multimap<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::optional<std::string> header(const std::string& lowercase_name) const;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot.
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes every byte; returns false if the peer closed or reset.
  bool send(std::string_view bytes);
  // Reads one response (status line, headers, Content-Length body). nullopt when the connection
  // closed (or the timeout passed) before a complete response arrived.
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection (EOF or reset) within `timeout` with no more bytes.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Bytes received but not consumed by read_response.
  const std::string& pending() const { return buffer_; }
  int fd() const { return fd_; }

 private:
  // Appends what arrives within `deadline`; false on EOF/error/timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// One request on a fresh connection; nullopt if no complete response came back.
std::optional<RawResponse> round_trip(std::uint16_t port, std::string_view request,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// "GET /path HTTP/1.1\r\nHost: t\r\n\r\n"
std::string get_request(std::string_view path, std::string_view extra_headers = {});
// A POST with Content-Length and the given content type.
std::string post_request(std::string_view path, std::string_view body,
                         std::string_view content_type = "application/x-www-form-urlencoded",
                         std::string_view extra_headers = {});

}  // namespace ventanilla::test
