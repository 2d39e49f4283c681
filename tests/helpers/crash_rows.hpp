#pragma once
// The rows crash_writer writes, shared with storage_crash_test so the test can check that an
// acknowledged row is not only present but intact.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ventanilla::test::crash_rows {

inline constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS crash_rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)";
inline constexpr std::string_view kInsert = "INSERT INTO crash_rows (id, payload) VALUES (?1, ?2)";

// 64..512 bytes that depend on the id, so a torn or misplaced row does not pass as intact.
inline std::vector<std::byte> payload_for(std::int64_t id) {
  const auto n = static_cast<std::size_t>(64 + id % 449);
  std::vector<std::byte> payload(n);
  for (std::size_t i = 0; i < n; ++i) {
    payload[i] = static_cast<std::byte>((static_cast<std::uint64_t>(id) * 131 + i) & 0xff);
  }
  return payload;
}

}  // namespace ventanilla::test::crash_rows
