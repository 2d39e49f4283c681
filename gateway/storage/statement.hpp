#pragma once
// RAII prepared statement. Bind indices are 1-based (SQLite's `?NNN`), column indices 0-based.
//
// Thread: a Statement belongs to the connection it was prepared on and is used only where that
// Database is used. Errors throw SqliteError (see sqlite_error.hpp).
//
// Bound text and blobs are NOT copied: the bytes must stay valid until the statement has been
// stepped for the last time with them, i.e. until reset(), a rebind or destruction. reset() also
// clears every binding, so no binding outlives the call site that made it. Binding an rvalue
// std::string is rejected at compile time for that reason.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace ventanilla::storage {

class Statement {
 public:
  // Takes ownership of `stmt` (finalized on destruction). Database::prepare is the usual way in.
  explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  void bind(int index, std::int64_t value);
  void bind(int index, double value);
  void bind(int index, std::string_view text);
  void bind(int index, const char* text) { bind(index, std::string_view(text)); }
  void bind(int index, std::string&& text) = delete;  // would dangle; bind a named string
  void bind(int index, std::span<const std::byte> blob);
  void bind(int index, std::nullptr_t);
  void bind_null(int index) { bind(index, nullptr); }

  // Any integer type that fits in int64 (bool binds 0/1).
  template <std::integral T>
  requires(!std::same_as<T, std::int64_t> &&
           (std::is_signed_v<T> || sizeof(T) < 8)) void bind(int index, T value) {
    bind(index, static_cast<std::int64_t>(value));
  }

  // NULL when empty.
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bind(index, nullptr);
    }
  }

  // bind_all(a, b, c) binds a to ?1, b to ?2, c to ?3.
  template <class... Args>
  void bind_all(Args&&... args) {
    int index = 0;
    (bind(++index, std::forward<Args>(args)), ...);
  }

  // Runs one step: true when a row is available, false when done. Throws SqliteError on failure
  // (after resetting the statement, so it holds no lock or snapshot).
  bool step();

  // Steps to completion, discarding rows (for INSERT/UPDATE/DELETE), then reset().
  void run();

  // Ready to run again; clears all bindings. Never throws (a failed step already threw).
  void reset() noexcept;

  int column_count() const noexcept;
  bool is_null(int column) const noexcept;
  std::int64_t column_int64(int column) const noexcept;
  double column_double(int column) const noexcept;
  std::string column_text(int column) const;
  // Valid until the next step(), reset() or destruction.
  std::string_view column_text_view(int column) const noexcept;
  std::span<const std::byte> column_blob_view(int column) const noexcept;

  // The SQL this statement was prepared from.
  std::string_view sql() const noexcept;
  sqlite3_stmt* handle() const noexcept { return stmt_; }

 private:
  [[noreturn]] void fail(int code) const;

  sqlite3_stmt* stmt_;
};

}  // namespace ventanilla::storage
