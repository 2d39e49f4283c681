#include "storage/audit_store.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace ventanilla::storage {

namespace {

constexpr char kHex[] = "0123456789abcdef";

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 unavailable");
    }
  }
  void update(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  // 8-byte big-endian length, then the bytes.
  void field(std::string_view bytes) {
    std::array<unsigned char, 8> length{};
    std::uint64_t n = bytes.size();
    for (std::size_t i = length.size(); i-- > 0; n >>= 8) {
      length[i] = static_cast<unsigned char>(n & 0xFFU);
    }
    EVP_DigestUpdate(ctx_.get(), length.data(), length.size());
    update(bytes);
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size);
    std::string out;
    out.reserve(size * 2U);
    for (unsigned int i = 0; i < size; ++i) {
      out.push_back(kHex[digest[i] >> 4U]);
      out.push_back(kHex[digest[i] & 0x0FU]);
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> ctx_;
};

AuditRow read_row(Statement& stmt) {
  AuditRow row;
  row.seq = stmt.column_int64(0);
  row.entry.at_ms = stmt.column_int64(1);
  row.entry.actor = stmt.column_text_view(2);
  row.entry.role = stmt.column_text_view(3);
  row.entry.action = stmt.column_text_view(4);
  row.entry.target = stmt.column_text_view(5);
  row.entry.before_sha256 = stmt.column_text_view(6);
  row.entry.after_sha256 = stmt.column_text_view(7);
  row.entry.request_id = stmt.column_text_view(8);
  row.prev_sha256 = stmt.column_text_view(9);
  row.row_sha256 = stmt.column_text_view(10);
  return row;
}

constexpr std::string_view kColumns =
    "seq, at_ms, actor, role, action, target, before_sha256, after_sha256, request_id, "
    "prev_sha256, row_sha256";

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex();
}

std::string audit_row_sha256(std::int64_t seq, const AuditEntry& e, std::string_view prev_sha256) {
  Sha256 h;
  h.field(std::to_string(seq));
  h.field(std::to_string(e.at_ms));
  for (const std::string* f : {&e.actor, &e.role, &e.action, &e.target, &e.before_sha256,
                               &e.after_sha256, &e.request_id}) {
    h.field(*f);
  }
  h.field(prev_sha256);
  return h.hex();
}

AuditRow append_audit(Database& db, const AuditEntry& entry) {
  AuditRow row;
  row.entry = entry;
  row.seq = 1;
  row.prev_sha256 = kAuditGenesis;
  {
    auto last = db.cached("SELECT seq, row_sha256 FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (last->step()) {
      row.seq = last->column_int64(0) + 1;
      row.prev_sha256 = last->column_text_view(1);
    }
  }
  row.row_sha256 = audit_row_sha256(row.seq, entry, row.prev_sha256);
  auto insert = db.cached(
      "INSERT INTO audit_log(seq, at_ms, actor, role, action, target, before_sha256, "
      "after_sha256, request_id, prev_sha256, row_sha256) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  insert->bind_all(row.seq, entry.at_ms, std::string_view(entry.actor),
                   std::string_view(entry.role), std::string_view(entry.action),
                   std::string_view(entry.target), std::string_view(entry.before_sha256),
                   std::string_view(entry.after_sha256), std::string_view(entry.request_id),
                   std::string_view(row.prev_sha256), std::string_view(row.row_sha256));
  insert->run();
  return row;
}

std::vector<AuditRow> list_audit(Database& db, std::int64_t after_seq, std::size_t limit) {
  auto stmt = db.cached("SELECT " + std::string(kColumns) +
                        " FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  stmt->bind_all(after_seq, static_cast<std::int64_t>(limit));
  std::vector<AuditRow> rows;
  while (stmt->step()) rows.push_back(read_row(*stmt));
  return rows;
}

AuditChainReport verify_audit_chain(Database& db) {
  AuditChainReport report;
  // Not cached: verification is rare and walks the table once.
  Statement stmt = db.prepare("SELECT " + std::string(kColumns) + " FROM audit_log ORDER BY seq");
  std::int64_t expected_seq = 1;
  while (stmt.step()) {
    const AuditRow row = read_row(stmt);
    auto fail = [&](std::string problem) {
      report.first_bad_seq = row.seq;
      report.problem = std::move(problem);
    };
    if (row.seq != expected_seq) {
      fail(row.seq > expected_seq ? "seq " + std::to_string(expected_seq) + " missing (gap after " +
                                        std::to_string(expected_seq - 1) + ")"
                                  : "seq out of order");
    } else if (row.prev_sha256 != report.head_sha256) {
      fail(expected_seq == 1
               ? "prev_sha256 of the first row is not the genesis value"
               : "prev_sha256 does not match row " + std::to_string(expected_seq - 1));
    } else if (audit_row_sha256(row.seq, row.entry, row.prev_sha256) != row.row_sha256) {
      fail("row_sha256 does not match its fields");
    }
    if (report.first_bad_seq) return report;
    ++report.rows;
    ++expected_seq;
    report.head_sha256 = row.row_sha256;
  }
  return report;
}

}  // namespace ventanilla::storage
