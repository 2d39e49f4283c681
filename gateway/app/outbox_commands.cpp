#include "app/outbox_commands.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.hpp"
#include "app/route_support.hpp"
#include "config/config.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/outbox_store.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/transaction.hpp"

namespace ventanilla::app {

namespace {

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 1000;
constexpr std::array<std::string_view, 6> kStatuses{"queued", "leased", "sent",
                                                    "retry",  "failed", "in_doubt"};
constexpr std::array<std::string_view, 4> kListOnlyOptions{"--status", "--route", "--limit",
                                                           "--json"};
// Fewer digits than any plausible number (PhoneNumber::kMinDigits is 8): a carrier's error text
// quoting the number, with or without its country code, is masked; error codes are not.
constexpr std::size_t kMaskedDigitRun = 7;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "ventanilla outbox: %s\n\n%s", message.c_str(), usage("outbox").c_str());
  return kExitUsage;
}

int failure(const std::string& message) {
  std::fprintf(stderr, "ventanilla outbox: %s\n", message.c_str());
  return kExitFailure;
}

std::optional<std::string> option(const CommandLine& cl, const std::string& name) {
  const auto it = cl.options.find(name);
  if (it == cl.options.end()) return std::nullopt;
  return it->second;
}

// "2026-11-29T08:05:03Z" (seconds are enough for people reading a queue).
std::string iso_utc(std::int64_t ms) {
  const std::time_t seconds = ms / 1000;
  std::tm tm{};
  if (::gmtime_r(&seconds, &tm) == nullptr) return "?";
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(text.data(), n);
}

std::string mask_digit_runs(std::string_view text) {
  std::string out(text);
  std::size_t i = 0;
  while (i < out.size()) {
    if (out[i] < '0' || out[i] > '9') {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < out.size() && out[end] >= '0' && out[end] <= '9') ++end;
    if (end - i >= kMaskedDigitRun) {
      for (std::size_t k = i; k < end; ++k) out[k] = '#';
    }
    i = end;
  }
  return out;
}

// Only rows waiting to be sent have a meaningful next attempt.
bool waiting(const storage::OutboxRow& row) {
  return row.status == "queued" || row.status == "retry" || row.status == "in_doubt";
}

bool known_status(std::string_view s) {
  for (const auto known : kStatuses) {
    if (known == s) return true;
  }
  return false;
}

std::string status_list() {
  std::string out;
  for (const auto s : kStatuses) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

Result<config::Config> configuration(const CommandLine& cl, int& exit) {
  auto cfg = load_configuration(cl);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message().c_str());
    exit = kExitUsage;
  }
  return cfg;
}

// Staff commands never create a database: a missing one is a wrong --db or --config.
bool database_exists(const config::Config& cfg) {
  std::error_code ec;
  if (std::filesystem::exists(cfg.storage.path, ec)) return true;
  failure(fmt::format("no database at {} (check --db or storage.path)", cfg.storage.path));
  return false;
}

// Subscriber ids become log tags under the deployment's key; without the key nothing safe to
// show exists, so the listing says so once and shows "-".
class SubscriberTags {
 public:
  explicit SubscriberTags(const config::Config& cfg) {
    std::error_code ec;
    if (!std::filesystem::exists(cfg.privacy.key_file, ec)) {
      std::fprintf(stderr,
                   "ventanilla outbox: privacy.key_file %s does not exist: subscribers shown as "
                   "'-'\n",
                   cfg.privacy.key_file.c_str());
      return;
    }
    auto key = privacy::Pseudonymizer::from_key_file(cfg.privacy.key_file, false);
    if (!key) {
      std::fprintf(stderr, "ventanilla outbox: privacy.key_file: %s: subscribers shown as '-'\n",
                   key.error().message().c_str());
      return;
    }
    key_.emplace(std::move(*key));
  }

  std::optional<std::string> tag(const std::string& stored) const {
    if (!key_) return std::nullopt;
    auto id = key_->restore(stored);
    if (!id) return std::nullopt;
    return fmt::format("{}", *id);
  }

 private:
  std::optional<privacy::Pseudonymizer> key_;
};

boost::json::value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}

boost::json::object row_json(const storage::OutboxRow& r, const SubscriberTags& tags) {
  boost::json::object o;
  o["id"] = r.id;
  o["reference"] = text_or_null(r.reference);
  o["route"] = r.route;
  o["status"] = r.status;
  o["attempts"] = r.attempts;
  if (waiting(r)) {
    o["next_attempt"] = iso_utc(r.next_attempt_ms);
    o["next_attempt_ms"] = r.next_attempt_ms;
  } else {
    o["next_attempt"] = nullptr;
    o["next_attempt_ms"] = nullptr;
  }
  o["in_doubt"] = r.in_doubt;
  o["last_error"] = text_or_null(mask_digit_runs(r.last_error));
  o["delivery_status"] = text_or_null(r.delivery_status);
  o["external_id"] = text_or_null(r.external_id);
  if (auto tag = tags.tag(r.subscriber)) {
    o["subscriber"] = *tag;
  } else {
    o["subscriber"] = nullptr;
  }
  o["created"] = iso_utc(r.created_ms);
  o["updated"] = iso_utc(r.updated_ms);
  return o;
}

std::string dash_if_empty(const std::string& s) { return s.empty() ? "-" : s; }

void print_table(const std::vector<storage::OutboxRow>& rows, const SubscriberTags& tags) {
  fmt::print("{:>8}  {:<25}  {:<14}  {:<8}  {:>3}  {:<20}  {:<5}  {:<11}  {:<10}  {}\n", "id",
             "reference", "route", "status", "att", "next attempt (UTC)", "doubt", "delivery",
             "subscriber", "last error");
  for (const auto& r : rows) {
    fmt::print("{:>8}  {:<25}  {:<14}  {:<8}  {:>3}  {:<20}  {:<5}  {:<11}  {:<10}  {}\n", r.id,
               dash_if_empty(r.reference), r.route, r.status, r.attempts,
               waiting(r) ? iso_utc(r.next_attempt_ms) : "-", r.in_doubt ? "yes" : "-",
               dash_if_empty(r.delivery_status), tags.tag(r.subscriber).value_or("-"),
               dash_if_empty(mask_digit_runs(r.last_error)));
  }
  if (rows.empty()) fmt::print("(no messages match)\n");
}

void print_counts(const storage::OutboxCounts& counts) {
  std::string line = "outbox:";
  bool first = true;
  for (const auto& [status, n] : counts.by_status) {
    fmt::format_to(std::back_inserter(line), "{} {} {}", first ? "" : ",", n, status);
    first = false;
  }
  fmt::format_to(std::back_inserter(line), "; {} flagged in doubt", counts.in_doubt_flagged);
  if (counts.oldest_due_ms != 0) {
    fmt::format_to(std::back_inserter(line), "; oldest due {}", iso_utc(counts.oldest_due_ms));
  }
  fmt::print("{}\n", line);
}

int run_list(const CommandLine& cl) {
  if (cl.positionals.size() > 1) {
    return usage_error(fmt::format("list takes no arguments, got '{}'", cl.positionals[1]));
  }
  storage::OutboxFilter filter;
  filter.limit = kDefaultLimit;
  if (auto s = option(cl, "--status")) {
    if (!known_status(*s)) {
      return usage_error(fmt::format("unknown --status '{}' (one of: {})", *s, status_list()));
    }
    filter.status = *s;
  }
  if (auto r = option(cl, "--route")) {
    if (r->empty()) return usage_error("--route needs a route name");
    filter.route = *r;
  }
  if (auto l = option(cl, "--limit")) {
    unsigned long value = 0;
    const auto* end = l->data() + l->size();
    const auto [ptr, ec] = std::from_chars(l->data(), end, value);
    if (ec != std::errc() || ptr != end || value == 0 || value > kMaxLimit) {
      return usage_error(
          fmt::format("--limit takes a whole number from 1 to {}, got '{}'", kMaxLimit, *l));
    }
    filter.limit = value;
  }
  const bool json = cl.has("--json");
  int exit = kExitOk;
  auto cfg = configuration(cl, exit);
  if (!cfg) return exit;
  if (!database_exists(*cfg)) return kExitFailure;

  storage::OpenOptions options;
  options.read_only = true;
  options.busy_timeout_ms = cfg->storage.busy_timeout_ms;
  auto db = storage::Database::open(cfg->storage.path, options);
  if (!db) return failure(db.error().message());
  std::vector<storage::OutboxRow> rows;
  storage::OutboxCounts counts;
  try {
    rows = storage::list_outbox(*db, filter);
    counts = storage::outbox_counts(*db);
  } catch (const storage::SqliteError& e) {
    return failure(storage::to_error(e, cfg->storage.path).message());
  }
  const SubscriberTags tags(*cfg);

  if (!json) {
    print_table(rows, tags);
    print_counts(counts);
    return kExitOk;
  }
  boost::json::object out;
  boost::json::array messages;
  for (const auto& r : rows) messages.emplace_back(row_json(r, tags));
  out["messages"] = std::move(messages);
  boost::json::object by_status;
  for (const auto& [status, n] : counts.by_status) by_status[status] = n;
  out["counts"] = std::move(by_status);
  out["in_doubt_flagged"] = counts.in_doubt_flagged;
  if (counts.oldest_due_ms != 0) {
    out["oldest_due"] = iso_utc(counts.oldest_due_ms);
  } else {
    out["oldest_due"] = nullptr;
  }
  const std::string text = boost::json::serialize(out) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

// The status of one row, for explaining a refusal (the staff functions only say "wrong state").
std::string status_of(storage::Database& db, std::int64_t id) {
  auto select = db.prepare("SELECT status FROM outbox WHERE id = ?1");
  select.bind_all(id);
  return select.step() ? select.column_text(0) : std::string("gone");
}

enum class Action { kRetry, kCancel };

int run_action(const CommandLine& cl, Action action) {
  const std::string& sub = cl.positionals.front();
  for (const auto o : kListOnlyOptions) {
    if (cl.has(std::string(o))) return usage_error(fmt::format("{} is for 'outbox list'", o));
  }
  if (cl.positionals.size() != 2) {
    return usage_error(fmt::format("{} takes one message ID (as `outbox list` shows it)", sub));
  }
  const std::string& text = cl.positionals[1];
  std::int64_t id = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0) {
    return usage_error(
        fmt::format("{}: ID must be a message id (a whole number, as `outbox list` shows it), "
                    "got '{}'",
                    sub, text));
  }
  int exit = kExitOk;
  auto cfg = configuration(cl, exit);
  if (!cfg) return exit;
  if (!database_exists(*cfg)) return kExitFailure;

  auto db = storage::Database::open(cfg->storage.path, open_options(cfg->storage));
  if (!db) return failure(db.error().message());
  if (auto migrated = storage::apply_migrations(*db, storage::embedded_migrations()); !migrated) {
    return failure(migrated.error().message());
  }
  storage::StaffActionResult result{};
  std::string status;
  try {
    // One BEGIN IMMEDIATE transaction: the state check and the change see the same row, even
    // while a running server's senders lease and mark rows.
    storage::Transaction tx(*db);
    result = action == Action::kRetry ? storage::retry_message(*db, id, epoch_ms())
                                      : storage::cancel_message(*db, id, epoch_ms());
    if (result == storage::StaffActionResult::kWrongState) status = status_of(*db, id);
    if (result == storage::StaffActionResult::kDone) tx.commit();
  } catch (const storage::SqliteError& e) {
    return failure(fmt::format("{}: {}{}", sub, storage::to_error(e, cfg->storage.path).message(),
                               e.is_busy() ? " (the database stayed locked; try again)" : ""));
  }

  switch (result) {
    case storage::StaffActionResult::kDone:
      if (action == Action::kRetry) {
        fmt::print("message {} queued again, due now\n", id);
      } else {
        fmt::print("message {} cancelled: failed (\"cancelled by staff\"), its number erased\n",
                   id);
      }
      return kExitOk;
    case storage::StaffActionResult::kNotFound:
      return failure(fmt::format("{}: no message {} in {}", sub, id, cfg->storage.path));
    case storage::StaffActionResult::kNumberErased:
      return failure(fmt::format(
          "retry: message {} cannot be sent again: its number was erased when it failed (final "
          "states keep no number)",
          id));
    case storage::StaffActionResult::kWrongState:
      break;
  }
  if (action == Action::kRetry) {
    return failure(fmt::format(
        "retry: message {} is {}: only failed, retry or in_doubt messages can be retried", id,
        status));
  }
  if (status == "leased") {
    return failure(fmt::format(
        "cancel: message {} is leased: a sender is calling the carrier with it right now; try "
        "again once that call ended",
        id));
  }
  return failure(fmt::format(
      "cancel: message {} is {}: only queued, retry or in_doubt messages can be cancelled", id,
      status));
}

}  // namespace

int run_outbox(const CommandLine& cl) {
  if (cl.positionals.empty()) return usage_error("expected 'list', 'retry ID' or 'cancel ID'");
  const std::string& sub = cl.positionals.front();
  if (sub == "list") return run_list(cl);
  if (sub == "retry") return run_action(cl, Action::kRetry);
  if (sub == "cancel") return run_action(cl, Action::kCancel);
  return usage_error(fmt::format("unknown subcommand '{}'", sub));
}

}  // namespace ventanilla::app
