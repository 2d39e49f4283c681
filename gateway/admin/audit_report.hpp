#pragma once
// The audit chain check as JSON, the same for the API and `ventanilla audit verify --json`:
// {ok, rows, head_sha256[, first_bad_seq, problem]}.

#include <boost/json/object.hpp>

#include "storage/audit_store.hpp"

namespace ventanilla::admin {

inline boost::json::object audit_report_json(const storage::AuditChainReport& report) {
  boost::json::object o;
  o["ok"] = report.ok();
  o["rows"] = report.rows;
  o["head_sha256"] = report.head_sha256;
  if (report.first_bad_seq) {
    o["first_bad_seq"] = *report.first_bad_seq;
    o["problem"] = report.problem;
  }
  return o;
}

}  // namespace ventanilla::admin
