#pragma once
// The pseudonym of a subscriber: what sessions, dedupe rows and rate limits store instead of the
// phone number (docs/reliability.md §3).
//
//   value()   = hex(HMAC-SHA256(k_pseudo, e164))          64 lowercase hex chars, stored in the DB
//   log_tag() = hex(HMAC-SHA256(k_log, raw pid bytes))[:8] 8 lowercase hex chars, for logs only
//
// Why logs get a tag from a separate key rather than value()[:8]: log lines travel further than
// the database (terminals, tickets, log shippers). A prefix of the stored id would let anyone
// holding a log and a database copy join them with `WHERE pid LIKE 'ab12cd34%'` — 32 bits single
// out one row in any table we will ever have. A tag under k_log (derived from the pseudonymization
// key, see pseudonymizer.hpp) still correlates the lines of one subscriber inside the logs, but
// cannot be matched to a row without the key. The fmt formatter prints only "s:" + log_tag().
//
// Only a Pseudonymizer creates SubscriberIds (from a PhoneNumber, or from a stored value()).
// Value type: copyable, no heap, safe to share between threads for reading.

#include <fmt/format.h>

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <string_view>

namespace ventanilla::privacy {

class SubscriberId {
 public:
  static constexpr std::size_t kValueSize = 64;
  static constexpr std::size_t kLogTagSize = 8;

  // The full pseudonym, for storage and lookups. Never log it.
  std::string_view value() const noexcept { return {value_.data(), value_.size()}; }
  // The log-only tag (see above).
  std::string_view log_tag() const noexcept { return {tag_.data(), tag_.size()}; }

  // Ordered and compared by value(); ids from different keys are unrelated values.
  friend bool operator==(const SubscriberId& a, const SubscriberId& b) noexcept {
    return a.value() == b.value();
  }
  friend std::strong_ordering operator<=>(const SubscriberId& a, const SubscriberId& b) noexcept {
    return a.value() <=> b.value();
  }

 private:
  friend class Pseudonymizer;
  SubscriberId() noexcept = default;

  std::array<char, kValueSize> value_{};
  std::array<char, kLogTagSize> tag_{};
};

}  // namespace ventanilla::privacy

template <>
struct std::hash<ventanilla::privacy::SubscriberId> {
  std::size_t operator()(const ventanilla::privacy::SubscriberId& id) const noexcept {
    return std::hash<std::string_view>{}(id.value());
  }
};

// "{}" prints "s:" + log_tag() (10 characters); width/alignment specs apply to that text.
template <>
struct fmt::formatter<ventanilla::privacy::SubscriberId> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ventanilla::privacy::SubscriberId& id, FormatContext& ctx) const
      -> decltype(ctx.out()) {
    std::array<char, 2 + ventanilla::privacy::SubscriberId::kLogTagSize> text{'s', ':'};
    const auto tag = id.log_tag();
    for (std::size_t i = 0; i < tag.size(); ++i) text[2 + i] = tag[i];
    return fmt::formatter<std::string_view>::format(std::string_view(text.data(), text.size()),
                                                    ctx);
  }
};
