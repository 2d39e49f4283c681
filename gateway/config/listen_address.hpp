#pragma once
// `server.listen` / `--listen` syntax: HOST:PORT where HOST is a dotted IPv4 address, a bracketed
// IPv6 address (`[::1]:8080`) or a DNS-style host name (`localhost`). Port 0 asks the OS for a
// free port. Pure; callable from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace ventanilla::config {

struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::1", "localhost"
  std::uint16_t port = 0;
};

// kInvalidArgument with where = "" and a one-line detail (`port must be between 0 and 65535`,
// `invalid IPv6 address`, ...) that never repeats the input.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace ventanilla::config
