#pragma once
// Arbitrary bytes read as a raw HTTP/1.1 request — request line, headers, blank line, body — the
// way the carrier fixtures (tests/fixtures/carriers) are recorded, so they seed the corpora as
// they are. Lenient and total: any input gives some request (missing parts are empty), because
// the server's framing is fuzzed elsewhere (http_fuzz.cpp) and these targets are about what a
// protocol makes of whatever the framing let through.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carriers/sms_protocol.hpp"

namespace ventanilla::fuzz {

struct RawRequest {
  std::string_view method;
  std::string_view target;
  std::vector<carriers::WebhookRequest::Header> headers;
  std::string_view body;

  explicit RawRequest(std::string_view raw) {
    auto next_line = [&raw]() {
      const auto end = raw.find('\n');
      std::string_view line = raw.substr(0, end);
      raw = end == std::string_view::npos ? std::string_view() : raw.substr(end + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return line;
    };
    const std::string_view request_line = next_line();
    const auto sp1 = request_line.find(' ');
    method = request_line.substr(0, sp1);
    if (sp1 != std::string_view::npos) {
      const std::string_view rest = request_line.substr(sp1 + 1);
      target = rest.substr(0, rest.find(' '));
    }
    while (!raw.empty()) {
      const std::string_view line = next_line();
      if (line.empty()) break;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      headers.emplace_back(line.substr(0, colon), value);
    }
    body = raw;
  }

  carriers::WebhookRequest view() const { return {method, target, headers, body}; }
};

}  // namespace ventanilla::fuzz
