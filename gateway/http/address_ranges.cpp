#include "http/address_ranges.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstring>

namespace ventanilla::http {

namespace {

namespace ip = boost::asio::ip;

// 16 bytes for comparison: IPv4 (and IPv4-mapped IPv6) as its 4 bytes, flagged v4.
bool to_bytes(const ip::address& a, std::uint8_t (&out)[16], bool& v4) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    std::memcpy(out, b.data(), 4);
    v4 = true;
    return true;
  }
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    const auto b = ip::make_address_v4(ip::v4_mapped, v6).to_bytes();
    std::memcpy(out, b.data(), 4);
    v4 = true;
    return true;
  }
  const auto b = v6.to_bytes();
  std::memcpy(out, b.data(), 16);
  v4 = false;
  return true;
}

bool prefix_matches(const std::uint8_t* a, const std::uint8_t* b, unsigned bits) noexcept {
  const unsigned whole = bits / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

Result<AddressRanges> AddressRanges::parse(std::string_view text) {
  AddressRanges out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ',' || text[i] == ' ')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ',' && text[j] != ' ') ++j;
    if (j == i) break;
    const std::string_view item = text.substr(i, j - i);
    i = j;
    const auto slash = item.find('/');
    boost::system::error_code ec;
    const auto address = ip::make_address(std::string(item.substr(0, slash)), ec);
    auto bad = [&item](std::string_view why) {
      return make_error(ErrorCode::kInvalidArgument, "address range",
                        fmt::format("{}: {}", item, why));
    };
    if (ec) return bad("not an IP address");
    Range r;
    to_bytes(address, r.bytes, r.v4);
    const unsigned max = r.v4 ? 32 : 128;
    r.prefix = max;
    if (slash != std::string_view::npos) {
      const std::string_view bits = item.substr(slash + 1);
      unsigned value = 0;
      const auto [end, err] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
      if (err != std::errc() || end != bits.data() + bits.size() || value > max)
        return bad(fmt::format("prefix length must be 0..{}", max));
      r.prefix = value;
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool AddressRanges::contains(std::string_view address) const noexcept {
  boost::system::error_code ec;
  const auto a = ip::make_address(std::string(address), ec);
  if (ec) return false;
  std::uint8_t bytes[16] = {};
  bool v4 = false;
  to_bytes(a, bytes, v4);
  for (const auto& r : ranges_) {
    if (r.v4 == v4 && prefix_matches(bytes, r.bytes, r.prefix)) return true;
  }
  return false;
}

}  // namespace ventanilla::http
