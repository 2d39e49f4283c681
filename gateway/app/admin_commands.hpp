#pragma once
// Staff-access verbs: `ventanilla token` (make, list and revoke admin API tokens — how the first
// admin gets in) and `ventanilla audit verify` (walk the audit log's hash chain).
//
//   token create --name NAME --role ROLE [--expires-days D] [--json]
//                prints the token once; exit 0, 1 storage failure, 2 bad usage
//   token list [--json]       every token, never the token itself
//   token revoke ID           exit 1 when there is no such active token
//   user add NAME --role ROLE   console account; the password is read from standard input
//                                (prompted without echo on a terminal), 12+ characters
//   user list | passwd NAME | role NAME --role ROLE | disable NAME | enable NAME
//   audit verify [--json]     exit 0 when the chain holds, 1 when a row was tampered with
//                             (names the first bad row and why) or storage failed

#include "app/command_line.hpp"

namespace ventanilla::app {

int run_token(const CommandLine& cl);
int run_user(const CommandLine& cl);
int run_audit(const CommandLine& cl);

}  // namespace ventanilla::app
