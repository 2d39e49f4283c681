#include "admin/authentication.hpp"

#include <openssl/crypto.h>

#include "admin/api_token.hpp"
#include "storage/api_token_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/staff_store.hpp"

namespace ventanilla::admin {

namespace {

constexpr std::int64_t kTouchEveryMs = 60'000;

http::HttpResponse unauthorized(std::string_view detail) {
  auto reply = json_error(401, "unauthorized", "Authorization", detail);
  reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ventanilla-admin\"");
  return reply;
}

Authentication by_token(std::string_view header, storage::Database& db, std::int64_t now_ms) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() < kScheme.size() || !http::iequals(header.substr(0, kScheme.size()), kScheme)) {
    return {std::nullopt, unauthorized("not a Bearer token")};
  }
  const std::string_view token = header.substr(kScheme.size());
  if (!is_api_token_shape(token)) return {std::nullopt, unauthorized("not a Ventanilla token")};
  const auto row = storage::find_api_token(db, api_token_sha256(token));
  if (!row) return {std::nullopt, unauthorized("unknown token")};
  if (row->revoked_ms) return {std::nullopt, unauthorized("token revoked")};
  if (!row->active(now_ms)) return {std::nullopt, unauthorized("token expired")};
  const auto role = parse_role(row->role);
  if (!role) return {std::nullopt, unauthorized("token has no valid role")};
  // A write takes the database's write lock: only when the minute-resolution value moves, not on
  // every read the token makes.
  if (!row->last_used_ms || *row->last_used_ms < now_ms - kTouchEveryMs) {
    storage::touch_api_token(db, row->id, now_ms);
  }
  Principal p;
  p.actor = "token:" + std::to_string(row->id) + " (" + row->name + ")";
  p.role = *role;
  p.token_id = row->id;
  return {std::move(p), {}};
}

Authentication by_session(std::string_view cookie, storage::Database& db, std::int64_t now_ms) {
  const std::string digest = storage::sha256_hex(cookie);
  const auto session = storage::find_console_session(db, digest);
  if (!session || session->expires_ms <= now_ms) {
    return {std::nullopt, json_error(401, "unauthorized", "session", "not logged in or expired")};
  }
  const auto staff = storage::find_staff(db, session->staff_id);
  const auto role = staff ? parse_role(staff->role) : std::nullopt;
  if (!staff || staff->disabled_ms || !role) {
    storage::delete_console_session(db, digest);
    return {std::nullopt, json_error(401, "unauthorized", "session", "account disabled")};
  }
  const std::int64_t expires =
      std::min(now_ms + kSessionIdleMs, session->created_ms + kSessionLifetimeMs);
  if (expires >= session->expires_ms + kTouchEveryMs) {  // as above: write only when it moves
    storage::extend_console_session(db, digest, expires, now_ms);
  }
  Principal p;
  p.actor = "staff:" + staff->username;
  p.role = *role;
  p.staff_id = staff->id;
  p.session_sha256 = digest;
  p.csrf_token = session->csrf_token;
  return {std::move(p), {}};
}

// The host (and port) part of an origin: "https://admin.example.org:8443" →
// "admin.example.org:8443".
std::string_view origin_host(std::string_view origin) {
  const auto scheme = origin.find("://");
  return scheme == std::string_view::npos ? std::string_view{} : origin.substr(scheme + 3);
}

}  // namespace

bool is_state_changing(http::Method method) noexcept {
  return method != http::Method::kGet && method != http::Method::kHead &&
         method != http::Method::kOptions;
}

std::optional<std::string_view> session_cookie(const http::HttpRequest& request) {
  for (const auto& [name, value] : request.headers()) {
    if (!http::iequals(name, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.starts_with(kSessionCookie) && pair.size() > kSessionCookie.size() &&
          pair[kSessionCookie.size()] == '=') {
        return pair.substr(kSessionCookie.size() + 1);
      }
    }
  }
  return std::nullopt;
}

std::optional<http::HttpResponse> csrf_refusal(const http::HttpRequest& request,
                                               std::string_view expected_token) {
  const auto fetch_site = request.header("Sec-Fetch-Site");
  const auto origin = request.header("Origin");
  if (!fetch_site && !origin) {
    return json_error(403, "csrf", "Origin", "a console change needs Origin or Sec-Fetch-Site");
  }
  if (fetch_site && *fetch_site != "same-origin") {
    return json_error(403, "csrf", "Sec-Fetch-Site", "must be same-origin");
  }
  if (origin) {
    const auto host = request.header("Host");
    if (!host || origin_host(*origin) != *host) {
      return json_error(403, "csrf", "Origin", "does not match Host");
    }
  }
  if (expected_token.empty()) return std::nullopt;
  const auto token = request.header("X-CSRF-Token");
  if (!token || token->size() != expected_token.size() ||
      CRYPTO_memcmp(token->data(), expected_token.data(), expected_token.size()) != 0) {
    return json_error(403, "csrf", "X-CSRF-Token", "missing or wrong");
  }
  return std::nullopt;
}

Authentication authenticate(const http::HttpRequest& request, storage::Database& db,
                            std::int64_t now_ms) {
  if (const auto header = request.header("Authorization")) return by_token(*header, db, now_ms);
  if (const auto cookie = session_cookie(request)) {
    auto auth = by_session(*cookie, db, now_ms);
    if (auth.principal && is_state_changing(request.method())) {
      if (auto refusal = csrf_refusal(request, auth.principal->csrf_token)) {
        return {std::nullopt, std::move(*refusal)};
      }
    }
    return auth;
  }
  return {std::nullopt, unauthorized("missing")};
}

}  // namespace ventanilla::admin
