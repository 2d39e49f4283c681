#pragma once
// What the admin unit tests share: a migrated database file, a token per role, and one request
// through the dispatcher as the admin listener hands it over (no sockets).

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "admin/admin_api.hpp"
#include "admin/token_service.hpp"
#include "storage/migrations.hpp"

namespace ventanilla::admin::test_support {

inline storage::Database open_migrated(const std::string& path) {
  auto db = storage::Database::open(path);
  if (!db) throw std::runtime_error(db.error().message());
  if (!storage::apply_migrations(*db, storage::embedded_migrations())) {
    throw std::runtime_error("migrations failed");
  }
  return std::move(*db);
}

inline std::shared_ptr<spdlog::logger> null_logger() {
  return std::make_shared<spdlog::logger>("admin-test",
                                          std::make_shared<spdlog::sinks::null_sink_mt>());
}

// A token of `role` named after it, made by "test" at `now_ms`.
inline std::string make_token(storage::Database& db, Role role, std::int64_t now_ms,
                              std::optional<std::int64_t> expires_ms = std::nullopt) {
  storage::AuditEntry who;
  who.at_ms = now_ms;
  who.actor = "test";
  who.role = "admin";
  who.request_id = "setup";
  return create_token(db, std::string(to_string(role)) + " token", role, expires_ms, who).token;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

inline http::HttpResponse handle(const AdminApi& api, storage::Database& db, http::Method method,
                                 const std::string& target, const Headers& headers,
                                 const std::string& body, std::int64_t now_ms) {
  std::vector<http::HttpRequest::Header> views;
  for (const auto& [k, v] : headers) views.emplace_back(k, v);
  http::HttpRequest request(method, target, views, body);
  return api.handle(request, "req-test", db, now_ms);
}

}  // namespace ventanilla::admin::test_support
