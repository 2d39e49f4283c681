#pragma once
// Who is calling the admin API, from one of two credentials:
// - an API token, `Authorization: Bearer vta_…` (scripts, Weblate, operators). Not sent by
//   browsers on their own, so it needs no CSRF defence.
// - a console session, the cookie `__Host-ventanilla_session` (Secure, HttpOnly,
//   SameSite=Strict, Path=/), made by logging in. Browsers attach cookies to cross-site requests,
//   so every state-changing request made with it must also pass the CSRF checks:
//     Sec-Fetch-Site, when sent, is same-origin; Origin, when sent, names the Host the request
//     came to; at least one of the two is sent (every current browser sends Origin on a POST,
//     PUT, PATCH or DELETE); and X-CSRF-Token equals the session's token (constant-time).
//   Sessions last 30 idle minutes, 12 hours at most; the database keeps SHA-256 of the cookie.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "admin/admin_api.hpp"
#include "http/http_message.hpp"
#include "storage/database.hpp"

namespace ventanilla::admin {

inline constexpr std::string_view kSessionCookie = "__Host-ventanilla_session";
inline constexpr std::int64_t kSessionIdleMs = 30LL * 60 * 1000;
inline constexpr std::int64_t kSessionLifetimeMs = 12LL * 60 * 60 * 1000;

struct Authentication {
  std::optional<Principal> principal;  // set when the credentials hold
  http::HttpResponse refusal;          // the 401/403 to send otherwise
};

// Reads (and may touch: last use, sliding expiry) the token or session tables.
Authentication authenticate(const http::HttpRequest& request, storage::Database& db,
                            std::int64_t now_ms);

// The CSRF checks above for a state-changing request made with a session cookie; nullopt when it
// passes, else the 403. `expected_token` empty: the Origin / Sec-Fetch-Site part only (login).
std::optional<http::HttpResponse> csrf_refusal(const http::HttpRequest& request,
                                               std::string_view expected_token);

bool is_state_changing(http::Method method) noexcept;

// The cookie's value in a Cookie header, or nullopt.
std::optional<std::string_view> session_cookie(const http::HttpRequest& request);

}  // namespace ventanilla::admin
