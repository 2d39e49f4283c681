#pragma once
// Address ranges in CIDR notation ("10.0.0.0/8, 192.168.1.7, ::1/128"): which peers a carrier
// route accepts (allow_from), and which proxies' X-Forwarded-* headers it believes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace ventanilla::http {

class AddressRanges {
 public:
  // Comma- or space-separated ranges; a bare address is a single host. Errors
  // (kInvalidArgument) name the offending range.
  static Result<AddressRanges> parse(std::string_view text);

  bool empty() const noexcept { return ranges_.empty(); }
  // `address` as the server reports a peer ("127.0.0.1", "::1", "::ffff:10.1.2.3"); an
  // IPv4-mapped IPv6 address matches IPv4 ranges. Unparsable addresses match nothing.
  bool contains(std::string_view address) const noexcept;

 private:
  struct Range {
    std::uint8_t bytes[16] = {};
    unsigned prefix = 0;  // bits that must match
    bool v4 = false;
  };
  std::vector<Range> ranges_;
};

}  // namespace ventanilla::http
