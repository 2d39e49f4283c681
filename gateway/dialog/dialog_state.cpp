#include "dialog/dialog_state.hpp"

#include <charconv>

namespace ventanilla::dialog {

namespace {

constexpr std::string_view kVersion = "v1";

bool needs_escape(char c) { return c == '%' || c == ';' || c == '=' || c == ',' || c == ':'; }

void append_escaped(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (needs_escape(c) || u < 0x20) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> unescape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 2 >= value.size()) return std::nullopt;
    const int hi = hex_value(value[i + 1]);
    const int lo = hex_value(value[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

void field(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += ';';
  out += key;
  out += '=';
  append_escaped(out, value);
}

std::optional<std::uint16_t> parse_page(std::string_view s) {
  std::uint16_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string serialize(const State& s) {
  std::string out(kVersion);
  out.reserve(96);
  field(out, "n", s.node);
  if (s.page != 0) field(out, "p", std::to_string(s.page));
  field(out, "l", s.language);
  field(out, "c", s.country);
  field(out, "d", s.detected_country);
  field(out, "s", s.service);
  field(out, "pl", s.place_id);
  field(out, "q", s.query);
  field(out, "h", s.hub_id);
  if (s.place_matches) {
    out += ";m=";  // present even when empty: "searched, nothing found"
    for (std::size_t i = 0; i < s.place_matches->size(); ++i) {
      if (i > 0) out += ',';
      append_escaped(out, (*s.place_matches)[i]);
    }
  }
  if (!s.history.empty()) {
    out += ";H=";
    for (std::size_t i = 0; i < s.history.size(); ++i) {
      if (i > 0) out += ',';
      append_escaped(out, s.history[i].node);
      if (s.history[i].page != 0) {
        out += ':';
        out += std::to_string(s.history[i].page);
      }
    }
  }
  if (s.resume_offered) out += ";r=1";
  if (s.ended) out += ";e=1";
  return out;
}

std::optional<State> deserialize(std::string_view text) {
  if (!text.starts_with(kVersion)) return std::nullopt;
  text.remove_prefix(kVersion.size());
  State s;
  while (!text.empty()) {
    if (text.front() != ';') return std::nullopt;
    text.remove_prefix(1);
    const auto end = text.find(';');
    const std::string_view item = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = item.substr(0, eq);
    const std::string_view raw = item.substr(eq + 1);
    if (key == "H") {
      std::string_view rest = raw;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view frame = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        Frame f;
        const auto colon = frame.find(':');
        auto node = unescape(frame.substr(0, colon));
        if (!node || node->empty()) return std::nullopt;
        f.node = std::move(*node);
        if (colon != std::string_view::npos) {
          auto page = parse_page(frame.substr(colon + 1));
          if (!page) return std::nullopt;
          f.page = *page;
        }
        s.history.push_back(std::move(f));
      }
      if (s.history.size() > kMaxHistory) return std::nullopt;
      continue;
    }
    if (key == "m") {
      auto& matches = s.place_matches.emplace();
      for (std::size_t start = 0; !raw.empty();) {
        const auto comma = raw.find(',', start);
        auto id = unescape(raw.substr(start, comma - start));
        if (!id || id->empty() || matches.size() == kMaxListItems) return std::nullopt;
        matches.push_back(std::move(*id));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      continue;
    }
    if (key == "r" || key == "e") {
      if (raw != "1") return std::nullopt;
      (key == "r" ? s.resume_offered : s.ended) = true;
      continue;
    }
    if (key == "p") {
      auto page = parse_page(raw);
      if (!page) return std::nullopt;
      s.page = *page;
      continue;
    }
    auto value = unescape(raw);
    if (!value) return std::nullopt;
    std::string* slot = nullptr;
    if (key == "n")
      slot = &s.node;
    else if (key == "l")
      slot = &s.language;
    else if (key == "c")
      slot = &s.country;
    else if (key == "d")
      slot = &s.detected_country;
    else if (key == "s")
      slot = &s.service;
    else if (key == "pl")
      slot = &s.place_id;
    else if (key == "q")
      slot = &s.query;
    else if (key == "h")
      slot = &s.hub_id;
    if (slot == nullptr) return std::nullopt;
    *slot = std::move(*value);
  }
  if (s.node.empty()) return std::nullopt;
  return s;
}

}  // namespace ventanilla::dialog
