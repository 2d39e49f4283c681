#include "storage/directory_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "directory/directory_files.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::storage {

namespace {

using directory::DirectoryData;

enum class Type { kText, kInteger, kReal, kNullableText, kNullableInteger };

struct Column {
  std::string_view name;
  Type type;
};

// One table as the diff sees it: key columns (all TEXT NOT NULL), then `seq` when the table keeps
// file order, then the content columns.
struct TableSpec {
  std::string_view name;
  std::vector<Column> key;
  std::vector<Column> content;
  bool has_seq = true;
  std::string_view order_by = "seq";
};

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Row {
  std::vector<std::string> key;
  std::int64_t seq = 0;
  std::vector<Value> content;
};

enum TableIndex : std::size_t {
  kCountries,
  kAdmin1,
  kAdmin2,
  kServices,
  kPlaces,
  kAliases,
  kHubs,
  kHubServices,
  kHubFacts
};

const std::array<TableSpec, kDirectoryTableCount>& table_specs() {
  using enum Type;
  static const std::array<TableSpec, kDirectoryTableCount> kSpecs = {{
      {"countries",
       {{"iso2", kText}},
       {{"name_es", kText},
        {"name_en", kText},
        {"calling_code", kText},
        {"mcc", kText},
        {"min_lat", kReal},
        {"max_lat", kReal},
        {"min_lon", kReal},
        {"max_lon", kReal}}},
      {"admin1", {{"country", kText}, {"code", kText}}, {{"name", kText}, {"display_name", kText}}},
      {"admin2", {{"country", kText}, {"admin1_code", kText}, {"code", kText}}, {{"name", kText}}},
      {"services", {{"code", kText}}, {{"label_en", kText}, {"label_es", kText}}},
      {"places",
       {{"id", kText}},
       {{"country", kText},
        {"admin1_code", kText},
        {"admin2_code", kText},
        {"name", kText},
        {"ascii_name", kText},
        {"lat", kReal},
        {"lon", kReal},
        {"population", kNullableInteger},
        {"feature_code", kText},
        {"alt_names", kText},
        {"source", kText}}},
      {"aliases",
       {{"country", kText}, {"kind", kText}, {"alias", kText}},
       {{"place_id", kNullableText}, {"admin1_code", kNullableText}, {"display", kInteger}}},
      {"hubs",
       {{"id", kText}},
       {{"country", kText},
        {"hub_type", kText},
        {"name", kText},
        {"admin1", kText},
        {"municipality", kText},
        {"address", kText},
        {"phone", kText},
        {"hours", kText},
        {"operator", kText},
        {"lat", kReal},
        {"lon", kReal},
        {"source_url", kText},
        {"confidence", kText},
        {"admin1_code", kText},
        {"source_date", kText},
        {"notes", kText}}},
      {"hub_services",
       {{"hub_id", kText}, {"service_code", kText}},
       {{"position", kInteger}},
       false,
       "hub_id, position"},
      {"hub_facts",
       {{"hub_id", kText}, {"field", kText}, {"source_url", kText}},
       {{"value", kText}, {"source_date", kText}}},
  }};
  return kSpecs;
}

std::string join_names(const std::vector<Column>& columns, std::string_view suffix = "",
                       std::string_view separator = ", ") {
  std::string out;
  for (const Column& c : columns) {
    if (!out.empty()) out += separator;
    out += c.name;
    out += suffix;
  }
  return out;
}

std::string select_sql(const TableSpec& t) {
  return fmt::format("SELECT {}{}, {} FROM {} ORDER BY {}", join_names(t.key),
                     t.has_seq ? ", seq" : "", join_names(t.content), t.name, t.order_by);
}

std::string key_condition(const TableSpec& t, int first_param) {
  std::string out;
  int param = first_param;
  for (const Column& c : t.key) {
    if (!out.empty()) out += " AND ";
    out += fmt::format("{} = ?{}", c.name, param++);
  }
  return out;
}

std::string insert_sql(const TableSpec& t) {
  const std::size_t count = t.key.size() + (t.has_seq ? 1 : 0) + t.content.size();
  std::string params;
  for (std::size_t i = 1; i <= count; ++i) params += fmt::format("{}?{}", i == 1 ? "" : ", ", i);
  return fmt::format("INSERT INTO {} ({}{}, {}) VALUES ({})", t.name, join_names(t.key),
                     t.has_seq ? ", seq" : "", join_names(t.content), params);
}

// Binding order: key, seq, content, the same as insert_sql.
std::string update_sql(const TableSpec& t) {
  std::string sets;
  int param = static_cast<int>(t.key.size()) + 1;
  if (t.has_seq) sets += fmt::format("seq = ?{}", param++);
  for (const Column& c : t.content) {
    if (!sets.empty()) sets += ", ";
    sets += fmt::format("{} = ?{}", c.name, param++);
  }
  return fmt::format("UPDATE {} SET {} WHERE {}", t.name, sets, key_condition(t, 1));
}

std::string delete_sql(const TableSpec& t) {
  return fmt::format("DELETE FROM {} WHERE {}", t.name, key_condition(t, 1));
}

std::string encode_key(const std::vector<std::string>& key) {
  std::string out;
  for (const std::string& part : key) {
    out += part;
    out += '\x1f';
  }
  return out;
}

void bind_value(Statement& stmt, int index, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          stmt.bind_null(index);
        } else if constexpr (std::is_same_v<T, std::string>) {
          stmt.bind(index, std::string_view(v));
        } else {
          stmt.bind(index, v);
        }
      },
      value);
}

void bind_row(Statement& stmt, const TableSpec& t, const Row& row) {
  int index = 0;
  for (const std::string& k : row.key) stmt.bind(++index, std::string_view(k));
  if (t.has_seq) stmt.bind(++index, row.seq);
  for (const Value& v : row.content) bind_value(stmt, ++index, v);
}

Value read_value(const Statement& stmt, int column, Type type) {
  switch (type) {
    case Type::kText:
      return stmt.column_text(column);
    case Type::kInteger:
      return stmt.column_int64(column);
    case Type::kReal:
      return stmt.column_double(column);
    case Type::kNullableText:
      if (stmt.is_null(column)) return std::monostate{};
      return stmt.column_text(column);
    case Type::kNullableInteger:
      if (stmt.is_null(column)) return std::monostate{};
      return stmt.column_int64(column);
  }
  return std::monostate{};
}

std::vector<Row> read_rows(Database& db, const TableSpec& t) {
  std::vector<Row> rows;
  Statement stmt = db.prepare(select_sql(t));
  while (stmt.step()) {
    Row row;
    int column = 0;
    for (std::size_t i = 0; i < t.key.size(); ++i) row.key.push_back(stmt.column_text(column++));
    if (t.has_seq) row.seq = stmt.column_int64(column++);
    for (const Column& c : t.content) row.content.push_back(read_value(stmt, column++, c.type));
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- records ↔ rows
// ------------------------------------------------------------------------------

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += separator;
    out += parts[i];
  }
  return out;
}

using TableRows = std::array<std::vector<Row>, kDirectoryTableCount>;

template <class T, class F>
void add_rows(std::vector<Row>& out, const std::vector<T>& records, F to_row) {
  out.reserve(out.size() + records.size());
  std::int64_t seq = 0;
  for (const T& r : records) {
    Row row = to_row(r);
    row.seq = seq++;
    out.push_back(std::move(row));
  }
}

TableRows to_rows(const DirectoryData& d) {
  TableRows rows;
  add_rows(rows[kCountries], d.countries, [](const directory::Country& c) {
    return Row{{c.iso2},
               0,
               {c.name_es, c.name_en, c.calling_code, c.mcc, c.bbox.min_lat, c.bbox.max_lat,
                c.bbox.min_lon, c.bbox.max_lon}};
  });
  add_rows(rows[kAdmin1], d.admin1, [](const directory::Admin1& a) {
    return Row{{a.country, a.code}, 0, {a.name, a.display_name.empty() ? a.name : a.display_name}};
  });
  add_rows(rows[kAdmin2], d.admin2, [](const directory::Admin2& a) {
    return Row{{a.country, a.admin1_code, a.code}, 0, {a.name}};
  });
  add_rows(rows[kServices], d.services, [](const directory::Service& s) {
    return Row{{s.code}, 0, {s.label_en, s.label_es}};
  });
  add_rows(rows[kPlaces], d.places, [](const directory::Place& p) {
    Value population;
    if (p.population) population = static_cast<std::int64_t>(*p.population);
    return Row{{p.id},
               0,
               {p.country, p.admin1_code, p.admin2_code, p.name, p.ascii_name, p.lat, p.lon,
                population, p.feature_code, join(p.alt_names, '|'), p.source}};
  });
  add_rows(rows[kAliases], d.aliases, [](const directory::Alias& a) {
    const bool place = a.kind == "place";
    const bool admin1 = a.kind == "admin1";
    return Row{{a.country, a.kind, a.alias},
               0,
               {place ? Value(a.target) : Value(), admin1 ? Value(a.target) : Value(),
                std::int64_t{a.display ? 1 : 0}}};
  });
  add_rows(rows[kHubs], d.hubs, [](const directory::Hub& h) {
    return Row{{h.id},
               0,
               {h.country, h.hub_type, h.name, h.admin1, h.municipality, h.address, h.phone,
                h.hours, h.operator_name, h.lat, h.lon, h.source_url, h.confidence, h.admin1_code,
                h.source_date, h.notes}};
  });
  for (const directory::Hub& h : d.hubs) {
    std::int64_t position = 0;
    for (const std::string& code : h.services) {
      rows[kHubServices].push_back(Row{{h.id, code}, 0, {position++}});
    }
  }
  add_rows(rows[kHubFacts], d.hub_facts, [](const directory::HubFact& f) {
    return Row{{f.hub_id, f.field, f.source_url}, 0, {f.value, f.source_date}};
  });
  return rows;
}

const std::string& text(const Value& v) {
  static const std::string kEmpty;
  const auto* s = std::get_if<std::string>(&v);
  return s != nullptr ? *s : kEmpty;
}
double real(const Value& v) {
  const auto* d = std::get_if<double>(&v);
  return d != nullptr ? *d : 0.0;
}
std::int64_t integer(const Value& v) {
  const auto* i = std::get_if<std::int64_t>(&v);
  return i != nullptr ? *i : 0;
}

DirectoryData from_rows(TableRows& rows) {
  DirectoryData d;
  for (Row& r : rows[kCountries]) {
    const auto& c = r.content;
    d.countries.push_back({r.key[0], text(c[0]), text(c[1]), text(c[2]), text(c[3]),
                           directory::BoundingBox{real(c[4]), real(c[5]), real(c[6]), real(c[7])}});
  }
  for (Row& r : rows[kAdmin1]) {
    d.admin1.push_back({r.key[0], r.key[1], text(r.content[0]), text(r.content[1])});
  }
  for (Row& r : rows[kAdmin2]) {
    d.admin2.push_back({r.key[0], r.key[1], r.key[2], text(r.content[0])});
  }
  for (Row& r : rows[kServices]) {
    d.services.push_back({r.key[0], text(r.content[0]), text(r.content[1])});
  }
  d.places.reserve(rows[kPlaces].size());
  for (Row& r : rows[kPlaces]) {
    const auto& c = r.content;
    directory::Place p;
    p.id = r.key[0];
    p.country = text(c[0]);
    p.admin1_code = text(c[1]);
    p.admin2_code = text(c[2]);
    p.name = text(c[3]);
    p.ascii_name = text(c[4]);
    p.lat = real(c[5]);
    p.lon = real(c[6]);
    if (const auto* population = std::get_if<std::int64_t>(&c[7])) {
      p.population = static_cast<std::uint32_t>(*population);
    }
    p.feature_code = text(c[8]);
    p.alt_names = directory::split_list(text(c[9]), '|');
    p.source = text(c[10]);
    d.places.push_back(std::move(p));
  }
  for (Row& r : rows[kAliases]) {
    const auto& c = r.content;
    const std::string& target = std::holds_alternative<std::string>(c[0]) ? text(c[0]) : text(c[1]);
    d.aliases.push_back({r.key[0], r.key[1], r.key[2], target, integer(c[2]) != 0});
  }
  std::unordered_map<std::string, std::size_t> hub_index;
  for (Row& r : rows[kHubs]) {
    const auto& c = r.content;
    directory::Hub h;
    h.id = r.key[0];
    h.country = text(c[0]);
    h.hub_type = text(c[1]);
    h.name = text(c[2]);
    h.admin1 = text(c[3]);
    h.municipality = text(c[4]);
    h.address = text(c[5]);
    h.phone = text(c[6]);
    h.hours = text(c[7]);
    h.operator_name = text(c[8]);
    h.lat = real(c[9]);
    h.lon = real(c[10]);
    h.source_url = text(c[11]);
    h.confidence = text(c[12]);
    h.admin1_code = text(c[13]);
    h.source_date = text(c[14]);
    h.notes = text(c[15]);
    hub_index.emplace(h.id, d.hubs.size());
    d.hubs.push_back(std::move(h));
  }
  // Ordered by hub, then position: appending keeps each hub's services in file order.
  for (Row& r : rows[kHubServices]) {
    const auto it = hub_index.find(r.key[0]);
    if (it != hub_index.end()) d.hubs[it->second].services.push_back(r.key[1]);
  }
  for (Row& r : rows[kHubFacts]) {
    d.hub_facts.push_back({r.key[0], r.key[1], text(r.content[0]), r.key[2], text(r.content[1])});
  }
  return d;
}

// ---- diff ---------------------------------------------------------------------------------------

struct TablePlan {
  std::vector<const Row*> inserts;
  std::vector<const Row*> updates;  // content or position changed
  std::vector<const Row*> deletes;  // existing rows (keys only matter)
};

struct Plan {
  std::array<TablePlan, kDirectoryTableCount> tables;
  std::array<std::vector<Row>, kDirectoryTableCount> existing;
  ImportReport report;
};

Result<void> check_unique_keys(const TableRows& wanted) {
  const auto& specs = table_specs();
  for (std::size_t t = 0; t < wanted.size(); ++t) {
    std::unordered_map<std::string, std::size_t> seen;
    seen.reserve(wanted[t].size());
    for (const Row& row : wanted[t]) {
      if (!seen.emplace(encode_key(row.key), 0).second) {
        return make_error(
            ErrorCode::kInvalidArgument, "directory import",
            fmt::format("duplicate key in {}: {}", specs[t].name, join(row.key, ' ')));
      }
    }
  }
  return {};
}

// Reads the current tables and compares; the returned plan points into `wanted` and its own
// `existing`.
Plan make_plan(Database& db, const TableRows& wanted) {
  const auto& specs = table_specs();
  Plan plan;
  plan.report.version_before = directory_version(db);
  bool changed = false;
  for (std::size_t t = 0; t < specs.size(); ++t) {
    const TableSpec& spec = specs[t];
    TableCounts& counts = plan.report.tables[t];
    counts.table = spec.name;
    plan.existing[t] = read_rows(db, spec);
    std::unordered_map<std::string, const Row*> current;
    current.reserve(plan.existing[t].size());
    for (const Row& row : plan.existing[t]) current.emplace(encode_key(row.key), &row);

    TablePlan& tp = plan.tables[t];
    for (const Row& row : wanted[t]) {
      const auto it = current.find(encode_key(row.key));
      if (it == current.end()) {
        tp.inserts.push_back(&row);
        ++counts.inserted;
        continue;
      }
      const Row& old = *it->second;
      if (old.content != row.content) {
        tp.updates.push_back(&row);
        ++counts.updated;
      } else {
        ++counts.unchanged;
        if (old.seq != row.seq) {
          tp.updates.push_back(&row);
          ++counts.moved;
        }
      }
      current.erase(it);
    }
    for (const Row& row : plan.existing[t]) {
      if (current.count(encode_key(row.key)) != 0) {
        tp.deletes.push_back(&row);
        ++counts.deleted;
      }
    }
    changed = changed || counts.changed();
  }
  plan.report.version_after = plan.report.version_before + (changed ? 1 : 0);
  return plan;
}

void apply_plan(Database& db, const Plan& plan) {
  const auto& specs = table_specs();
  // Children before parents for deletes, parents before children for writes. Foreign keys are
  // deferred to COMMIT anyway (a place may move to an admin1 that is inserted in this import while
  // its old admin1 is deleted), so the order is for readability of any failure.
  for (std::size_t t = specs.size(); t-- > 0;) {
    if (plan.tables[t].deletes.empty()) continue;
    Statement del = db.prepare(delete_sql(specs[t]));
    for (const Row* row : plan.tables[t].deletes) {
      int index = 0;
      for (const std::string& k : row->key) del.bind(++index, std::string_view(k));
      del.run();
    }
  }
  for (std::size_t t = 0; t < specs.size(); ++t) {
    const TablePlan& tp = plan.tables[t];
    if (!tp.inserts.empty()) {
      Statement insert = db.prepare(insert_sql(specs[t]));
      for (const Row* row : tp.inserts) {
        bind_row(insert, specs[t], *row);
        insert.run();
      }
    }
    if (!tp.updates.empty()) {
      Statement update = db.prepare(update_sql(specs[t]));
      for (const Row* row : tp.updates) {
        bind_row(update, specs[t], *row);
        update.run();
      }
    }
  }
  if (plan.report.changed()) {
    Statement meta = db.prepare(
        "INSERT INTO meta(key, value) VALUES(?1, ?2) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    const std::string version = std::to_string(plan.report.version_after);
    meta.bind_all(kDirectoryVersionKey, std::string_view(version));
    meta.run();
  }
}

Error storage_error(const SqliteError& e, std::string where) {
  if (e.primary_code() == SQLITE_CONSTRAINT) {
    return make_error(ErrorCode::kInvalidArgument, std::move(where), e.what());
  }
  return to_error(e, std::move(where));
}

// Rolls back a read transaction opened with BEGIN unless it was ended.
class ReadTransaction {
 public:
  explicit ReadTransaction(Database& db) : db_(db) { db_.exec("BEGIN"); }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction() {
    if (!db_.in_transaction()) return;
    try {
      db_.exec("ROLLBACK");
    } catch (const SqliteError&) {  // nothing was written; closing the connection ends it too
    }
  }

 private:
  Database& db_;
};

}  // namespace

std::int64_t directory_version(Database& db) {
  Statement stmt = db.prepare("SELECT value FROM meta WHERE key = ?1");
  stmt.bind(1, kDirectoryVersionKey);
  if (!stmt.step()) return 0;
  const std::string_view value = stmt.column_text_view(0);
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (ec != std::errc() || end != value.data() + value.size()) return 0;
  return version;
}

bool directory_is_empty(Database& db) {
  Statement stmt = db.prepare(
      "SELECT NOT EXISTS (SELECT 1 FROM countries) AND NOT EXISTS (SELECT 1 FROM places) "
      "AND NOT EXISTS (SELECT 1 FROM hubs)");
  stmt.step();
  return stmt.column_int64(0) != 0;
}

Result<ImportReport> import_directory(Database& db, const DirectoryData& data) {
  const TableRows wanted = to_rows(data);
  if (auto unique = check_unique_keys(wanted); !unique) return unique.error();
  try {
    Transaction txn(db);
    // Checked at COMMIT instead of per statement: the plan's order within the transaction need
    // not respect every parent/child move. The pragma ends with the transaction.
    db.exec("PRAGMA defer_foreign_keys = ON");
    Plan plan = make_plan(db, wanted);
    if (plan.report.changed()) {
      apply_plan(db, plan);
      txn.commit();
    }
    return plan.report;
  } catch (const SqliteError& e) {
    return storage_error(e, "directory import");
  }
}

Result<ImportReport> import_directory_in_transaction(Database& db, const DirectoryData& data) {
  const TableRows wanted = to_rows(data);
  if (auto unique = check_unique_keys(wanted); !unique) return unique.error();
  try {
    db.exec("PRAGMA defer_foreign_keys = ON");
    Plan plan = make_plan(db, wanted);
    if (plan.report.changed()) apply_plan(db, plan);
    return plan.report;
  } catch (const SqliteError& e) {
    return storage_error(e, "directory import");
  }
}

Result<ImportReport> plan_directory_import(Database& db, const DirectoryData& data) {
  const TableRows wanted = to_rows(data);
  if (auto unique = check_unique_keys(wanted); !unique) return unique.error();
  try {
    ReadTransaction txn(db);
    return make_plan(db, wanted).report;
  } catch (const SqliteError& e) {
    return storage_error(e, "directory import (dry run)");
  }
}

Result<DirectoryData> load_directory(Database& db) {
  try {
    ReadTransaction txn(db);
    TableRows rows;
    const auto& specs = table_specs();
    for (std::size_t t = 0; t < specs.size(); ++t) rows[t] = read_rows(db, specs[t]);
    return from_rows(rows);
  } catch (const SqliteError& e) {
    return storage_error(e, "directory load");
  }
}

}  // namespace ventanilla::storage
