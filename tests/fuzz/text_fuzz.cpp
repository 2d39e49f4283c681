// Form decoding and the SMS text pipeline (encoding policy, segment counting, single-SMS
// splitting), each checked against a property computed independently here.
#include <string>
#include <vector>

#include "carriers/form_body.hpp"
#include "fuzz_target.hpp"
#include "text/encoding.hpp"
#include "text/gsm7.hpp"
#include "text/segments.hpp"
#include "text/sms_split.hpp"

namespace ventanilla::fuzz {
namespace {

// Segments by the formula of carrier-protocols.md §7: one segment up to `single` units, else
// segments of `multi` units where a two-unit character (GSM-7 escape pair, UTF-16 surrogate pair)
// never straddles two segments. Computed by walking the characters, not by division.
std::size_t expected_segments(const std::vector<std::size_t>& unit_costs, std::size_t single,
                              std::size_t multi) {
  std::size_t total = 0;
  for (const auto c : unit_costs) total += c;
  if (total == 0) return 0;
  if (total <= single) return 1;
  std::size_t segments = 1, used = 0;
  for (const auto c : unit_costs) {
    if (used + c > multi) {
      ++segments;
      used = 0;
    }
    used += c;
  }
  return segments;
}

void check_policy(std::string_view data, text::EncodingPolicy policy) {
  const text::EncodedText encoded = text::apply_policy(data, policy);
  if (policy == text::EncodingPolicy::kGsm7) {
    FUZZ_CHECK(encoded.encoding == text::Encoding::kGsm7);  // never UCS-2 under gsm7
    FUZZ_CHECK(text::is_gsm7(encoded.text));
  }
  if (policy == text::EncodingPolicy::kUcs2) FUZZ_CHECK(encoded.encoding == text::Encoding::kUcs2);

  std::vector<std::size_t> costs;
  for (const char32_t cp : text::decode_utf8(encoded.text)) {
    if (encoded.encoding == text::Encoding::kGsm7) {
      const std::size_t septets = text::gsm7_septets(cp);
      FUZZ_CHECK(septets == 1 || septets == 2);
      costs.push_back(septets);
    } else {
      costs.push_back(cp > 0xFFFF ? 2 : 1);
    }
  }
  std::size_t units = 0;
  for (const auto c : costs) units += c;
  FUZZ_CHECK(encoded.units == units);

  const text::SegmentInfo info = text::count_segments(encoded);
  FUZZ_CHECK(info.units == units);
  const bool gsm = encoded.encoding == text::Encoding::kGsm7;
  FUZZ_CHECK(info.segments == expected_segments(costs, gsm ? 160 : 70, gsm ? 153 : 67));

  // Whole single SMS for carriers that do not concatenate: each fits one SMS on its own, and
  // together they keep every non-space character in order.
  std::string joined, original;
  for (const auto& part : text::split_into_single_sms(encoded)) {
    const text::EncodedText again{
        part, encoded.encoding,
        gsm ? text::septet_count(part).value_or(999) : text::utf16_units(part)};
    FUZZ_CHECK(again.units <= (gsm ? 160u : 70u));
    for (const char c : part)
      if (c != ' ' && c != '\n') joined += c;
  }
  for (const char c : encoded.text)
    if (c != ' ' && c != '\n') original += c;
  FUZZ_CHECK(joined == original);
}

}  // namespace
}  // namespace ventanilla::fuzz

VENTANILLA_FUZZ_TARGET(form_decode) {
  auto fields = ventanilla::carriers::FormFields::parse(data);
  if (fields) {
    FUZZ_CHECK(fields->fields().size() <= ventanilla::carriers::FormFields::kMaxFields);
    // What we send decodes back to exactly what we meant.
    for (const auto& [name, value] : fields->fields()) {
      std::string body;
      ventanilla::carriers::append_form_field(body, name, value);
      auto again = ventanilla::carriers::FormFields::parse(body);
      FUZZ_CHECK(again && again->fields().size() == 1);
      FUZZ_CHECK(again->fields()[0].first == name && again->fields()[0].second == value);
    }
  }
  const auto decoded = ventanilla::carriers::form_decode(data);
  if (decoded) {
    FUZZ_CHECK(ventanilla::carriers::form_decode(ventanilla::carriers::form_encode(*decoded)) ==
               decoded);
  }
}

VENTANILLA_FUZZ_TARGET(sms_text) {
  ventanilla::fuzz::check_policy(data, ventanilla::text::EncodingPolicy::kGsm7);
  ventanilla::fuzz::check_policy(data, ventanilla::text::EncodingPolicy::kAuto);
  ventanilla::fuzz::check_policy(data, ventanilla::text::EncodingPolicy::kUcs2);
}
