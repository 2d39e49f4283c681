#pragma once
// Numbered schema migrations. The SQL lives in data/schema/NNNN_name.sql and is compiled into the
// binary (cmake/embed_migrations.cmake), so a binary always carries the schema it expects.

#include <cstdint>
#include <string_view>
#include <vector>

namespace ventanilla::storage {

struct Migration {
  std::int64_t version;
  std::string_view name;
  std::string_view sql;
};

// The migrations from data/schema, sorted by version. Defined in generated code.
const std::vector<Migration>& embedded_migrations();

}  // namespace ventanilla::storage
