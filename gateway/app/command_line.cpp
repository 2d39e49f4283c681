#include "app/command_line.hpp"

#include <fmt/format.h>

#include <array>

namespace ventanilla::app {

namespace {

struct OptionSpec {
  std::string_view name;  // "--json"
  bool takes_value;
  std::string_view help;
};

struct VerbSpec {
  std::string_view name;
  std::string_view synopsis;  // after "ventanilla VERB"
  std::string_view summary;
  std::vector<OptionSpec> options;
};

const std::vector<OptionSpec>& common_options() {
  static const std::vector<OptionSpec> kCommon = {
      {"--config", true, "configuration file (default config/ventanilla.toml)"},
      {"--db", true, "SQLite database path (same as --set storage.path=PATH)"},
      {"--set", true,
       "override any configuration key, e.g. --set server.io_threads=4 (repeatable)"},
      {"--help", false, "show this help"},
  };
  return kCommon;
}

const std::vector<VerbSpec>& verbs() {
  static const std::vector<VerbSpec> kVerbs = {
      {"serve",
       "[--listen HOST:PORT]",
       "Run the gateway: carrier webhooks, /healthz, /readyz and /metrics. Holds an exclusive "
       "lock on <storage.path>.lock while it runs: a second serve on the same database exits 1. "
       "SIGHUP reloads the menus and hub directory at once; SIGTERM/SIGINT stop gracefully.",
       {{"--listen", true, "address to listen on (same as --set server.listen=HOST:PORT)"}}},
      {"check",
       "[--menus DIR] [--data DIR]",
       "Validate the configuration, the key file, the hub directory and every menu screen in "
       "every language (worst-case content, each route's limit); exit 1 on any content error.",
       {{"--menus", true, "menus directory (default content.menus_dir)"},
        {"--data", true, "hub directory and gazetteer (default content.data_dir)"}}},
      {"simulate",
       "[--lang es] [--country GT] [--route ussd] [--menus DIR] [--data DIR]",
       "A terminal phone: type inputs, see each screen exactly as the route sends it, with its "
       "length and encoding. Reads the menus and data files (edit, then simulate).",
       {{"--lang", true, "a remembered language (skips the language screen)"},
        {"--country", true, "the caller's country (as its network would tell), e.g. GT"},
        {"--route", true, "route profile: ussd (default)"},
        {"--menus", true, "menus directory (default content.menus_dir)"},
        {"--data", true, "hub directory and gazetteer (default content.data_dir)"}}},
      {"import",
       "[DIR] [--menus DIR] [--dry-run]",
       "Import the hub directory and gazetteer CSV files from DIR (default data/) and the menus "
       "(default menus/): everything is validated first, nothing is imported on any error.",
       {{"--dry-run", false, "validate only; change nothing"},
        {"--menus", true, "menus directory (default content.menus_dir)"}}},
      {"export",
       "[DIR] [--menus DIR]",
       "Write the hub directory and gazetteer back to CSV files in DIR (default data/) and the "
       "published menus to the menus directory (default menus/).",
       {{"--menus", true, "menus directory (default content.menus_dir)"}}},
      {"directory",
       "(search QUERY | nearest (--place QUERY | --lat X --lon Y)) [options]",
       "Search places, or list the hubs nearest to a place or a point.",
       {{"--country", true, "MX GT BZ SV HN CR; search: where to look; nearest: whose hubs"},
        {"--admin1", true, "admin1 (state/department) code, with --country"},
        {"--service", true, "service code, e.g. info or shelter_referral"},
        {"--place", true, "start from this place (nearest): --country first, then all"},
        {"--lat", true, "latitude (nearest)"},
        {"--lon", true, "longitude (nearest)"},
        {"--limit", true, "most results to print (default 5)"},
        {"--json", false, "print a JSON array"}}},
      {"outbox",
       "(list [--status S] [--route R] [--limit N] [--json] | retry ID | cancel ID)",
       "The SMS outbox for staff: list messages (newest first; subscribers as log tags, never "
       "numbers or texts) with counts by status, queue a retry/in_doubt message again (failed "
       "ones keep no number), or cancel a queued/retry/in_doubt one.",
       {{"--status", true, "list: only queued, leased, sent, retry, failed or in_doubt"},
        {"--route", true, "list: only this route"},
        {"--limit", true, "list: most messages to print, 1 to 1000 (default 50)"},
        {"--json", false, "list: print one JSON object {messages, counts}"}}},
      {"backup",
       "PATH [--keep N]",
       "Copy the database, consistently, while serve keeps running: to the new file PATH (an "
       "existing file is refused), or into the directory PATH as ventanilla-YYYYMMDDTHHMMSSZ.db "
       "(UTC). The copy is integrity-checked, mode 0600, one self-contained file.",
       {{"--keep", true,
         "directory only: then delete older ventanilla-*.db backups there beyond the newest N"}}},
      {"restore",
       "BACKUP",
       "Replace the database with BACKUP. Refused while serve runs (stop it first). BACKUP is "
       "checked first (SQLite, integrity_check, schema not newer than this binary); the current "
       "database is kept as <db>.before-restore-YYYYMMDDTHHMMSSZ, so no --force is needed.",
       {}},
      {"purge",
       "",
       "Delete expired sessions, stored replies, SMS parts and finished outbox rows now (as "
       "serve does on its timer; safe while it runs), then truncate the WAL. Prints the rows "
       "deleted per table.",
       {}},
      {"token",
       "(create --name NAME --role ROLE [--expires-days D] | list | revoke ID) [--json]",
       "Admin API tokens. create prints a new token once (vta_…; only its SHA-256 is kept); "
       "roles: viewer, editor, publisher, admin. list never shows tokens. Each change is "
       "recorded in the audit log.",
       {{"--name", true, "create: what the token is for, e.g. \"weblate sync\""},
        {"--role", true, "create: viewer, editor, publisher or admin"},
        {"--expires-days", true, "create: expire after D days (default: never)"},
        {"--json", false, "print JSON"}}},
      {"user",
       "(add NAME --role ROLE | list | passwd NAME | role NAME --role ROLE | disable NAME | "
       "enable NAME)",
       "Console accounts. add and passwd read the password (12+ characters) from standard "
       "input, without echo on a terminal; it is stored as Argon2id. A change of password or "
       "role ends the account's sessions; disabling ends them too. The last enabled admin cannot "
       "be demoted or disabled. Each change is recorded in the audit log.",
       {{"--role", true, "add, role: viewer, editor, publisher or admin"}}},
      {"audit",
       "verify [--json]",
       "Walk the admin audit log's hash chain: exit 0 when every row holds, 1 naming the first "
       "row that was changed, inserted or removed. Keep the printed head hash: a chain cut off "
       "at the end can only be told by comparing it.",
       {{"--json", false,
         "print one JSON object {ok, rows, head_sha256[, first_bad_seq, problem]}"}}},
  };
  return kVerbs;
}

const VerbSpec* find_verb(std::string_view name) {
  for (const auto& v : verbs()) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const OptionSpec* find_option(const VerbSpec& verb, std::string_view name) {
  for (const auto& o : common_options()) {
    if (o.name == name) return &o;
  }
  for (const auto& o : verb.options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

Error usage_error(std::string detail) {
  return make_error(ErrorCode::kInvalidArgument, "usage", std::move(detail));
}

}  // namespace

Result<CommandLine> parse_command_line(int argc, const char* const* argv) {
  CommandLine cl;
  int i = 1;
  if (i < argc) {
    const std::string_view first = argv[i];
    if (first == "--help" || first == "-h" || first == "help") {
      cl.help = true;
      if (first == "help" && i + 1 < argc) cl.verb = argv[i + 1];
      return cl;
    }
    if (first.starts_with("-")) return usage_error(fmt::format("expected a verb before {}", first));
    cl.verb = first;
    ++i;
  }
  if (cl.verb.empty()) return usage_error("missing verb");
  const VerbSpec* verb = find_verb(cl.verb);
  if (verb == nullptr) return usage_error(fmt::format("unknown verb '{}'", cl.verb));

  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (!arg.starts_with("--")) {
      cl.positionals.emplace_back(arg);
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const OptionSpec* spec = find_option(*verb, name);
    if (spec == nullptr) {
      return usage_error(fmt::format("unknown option {} for '{}'", name, cl.verb));
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return usage_error(fmt::format("{} needs a value", name));
      }
    } else if (inline_value) {
      return usage_error(fmt::format("{} takes no value", name));
    }
    if (name == "--help") {
      cl.help = true;
    } else if (name == "--config") {
      cl.config_path = value;
    } else if (name == "--db") {
      cl.overrides.push_back({"storage.path", value});
    } else if (name == "--listen") {
      cl.overrides.push_back({"server.listen", value});
    } else if (name == "--set") {
      auto ov = config::parse_override(value);
      if (!ov) return usage_error(fmt::format("--set {}: {}", value, ov.error().detail));
      cl.overrides.push_back(std::move(*ov));
    } else {
      cl.options[std::string(name)] = value;
    }
  }
  return cl;
}

std::string usage(std::string_view verb_name) {
  std::string out;
  const VerbSpec* verb = find_verb(verb_name);
  if (verb == nullptr) {
    out +=
        "Ventanilla: SMS and USSD information gateway for migrants.\n\n"
        "Usage: ventanilla VERB [options]\n\nVerbs:\n";
    for (const auto& v : verbs())
      fmt::format_to(std::back_inserter(out), "  {:<10} {}\n", v.name, v.summary);
    out +=
        "\nRun 'ventanilla VERB --help' for a verb's options.\n"
        "Exit codes: 0 ok, 1 failure, 2 bad usage or bad configuration.\n";
    return out;
  }
  fmt::format_to(std::back_inserter(out),
                 "Usage: ventanilla {} {}[--config FILE] [--db PATH] "
                 "[--set KEY=VALUE]...\n\n{}\n\nOptions:\n",
                 verb->name, verb->synopsis.empty() ? "" : fmt::format("{} ", verb->synopsis),
                 verb->summary);
  auto line = [&out](const OptionSpec& o) {
    const std::string lhs = o.takes_value ? fmt::format("{} VALUE", o.name) : std::string(o.name);
    fmt::format_to(std::back_inserter(out), "  {:<18} {}\n", lhs, o.help);
  };
  for (const auto& o : verb->options) line(o);
  for (const auto& o : common_options()) line(o);
  out += "\nExit codes: 0 ok, 1 failure, 2 bad usage or bad configuration.\n";
  return out;
}

}  // namespace ventanilla::app
