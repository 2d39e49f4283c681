#include "carriers/sms_protocol.hpp"

#include <algorithm>
#include <cctype>

namespace ventanilla::carriers {

bool header_names_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> WebhookRequest::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers)
    if (header_names_equal(k, name)) return v;
  return std::nullopt;
}

std::string_view WebhookRequest::path() const noexcept {
  return target.substr(0, target.find('?'));
}

std::string_view WebhookRequest::query() const noexcept {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

}  // namespace ventanilla::carriers
