// `ventanilla outbox list|retry|cancel` as staff run it: the real binary against a database whose
// outbox rows were put in every state through the storage functions the senders use, with a
// number sealed under a real key. Nothing printed may carry the number, the text or the stored
// subscriber id.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "privacy/phone_number.hpp"
#include "privacy/pseudonymizer.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/outbox_store.hpp"
#include "storage/session_store.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::test {
namespace {

namespace json = boost::json;
using Words = std::vector<std::string>;

constexpr std::string_view kNumber = "+50255550123";
constexpr std::string_view kDigits = "50255550123";
constexpr std::string_view kBodyWords = "Albergue secreto, Calle 7";
constexpr std::int64_t kLeaseMs = 600'000;

std::string describe(const RunResult& r) {
  return r.status.describe() + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

struct Raw {
  std::string status;
  std::int64_t sealed_bytes = 0;
  std::string last_error;
  std::int64_t next_attempt_ms = 0;
};

class OutboxCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = privacy::Pseudonymizer::from_key_file(key_path_, true);
    ASSERT_TRUE(key) << key.error().message();
    auto number = privacy::PhoneNumber::parse(kNumber);
    ASSERT_TRUE(number) << number.error().message();
    const auto subscriber = key->pseudonymize(*number);
    subscriber_ = std::string(subscriber.value());
    tag_ = fmt::format("{}", subscriber);

    auto db = storage::Database::open(db_path_);
    ASSERT_TRUE(db) << db.error().message();
    auto migrated = storage::apply_migrations(*db, storage::embedded_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message();

    const std::int64_t now = epoch_ms();
    // Each state in turn: queue one row, lease it (the only due row of its route), settle it.
    auto next = [&](const std::string& key_name, const std::string& route) {
      storage::OutboxMessage m;
      m.idempotency_key = key_name;
      m.subscriber = subscriber_;
      m.destination_sealed = key->seal(*number, key_name);
      m.body = std::string(kBodyWords) + " (" + key_name + ")";
      m.route = route;
      m.now_ms = now - 60'000;
      if (!storage::enqueue_sms(*db, m)) throw std::runtime_error("duplicate " + key_name);
      return db->last_insert_rowid();
    };
    auto lease_one = [&](std::int64_t id) {
      const auto leased = storage::lease_due(*db, "twilio-sms", now, kLeaseMs, 10);
      if (leased.size() != 1 || leased.front().id != id) throw std::runtime_error("lease");
    };
    ids_["sent"] = next("k-sent", "twilio-sms");
    lease_one(ids_["sent"]);
    ASSERT_TRUE(storage::mark_sent(*db, ids_["sent"], "SM0001", now));
    ids_["retry"] = next("k-retry", "twilio-sms");
    lease_one(ids_["retry"]);
    ASSERT_TRUE(storage::mark_retry(*db, ids_["retry"], now + 3'600'000, "http 503", now));
    ids_["in_doubt"] = next("k-doubt", "twilio-sms");
    lease_one(ids_["in_doubt"]);
    ASSERT_TRUE(storage::mark_in_doubt(*db, ids_["in_doubt"], now + 3'600'000, "timeout", now));
    ids_["failed"] = next("k-failed", "twilio-sms");
    lease_one(ids_["failed"]);
    // A carrier's error text quoting the number: must not reach the listing either.
    ASSERT_TRUE(storage::mark_failed(*db, ids_["failed"],
                                     "http 400: invalid To " + std::string(kNumber), now));
    ids_["leased"] = next("k-leased", "twilio-sms");
    lease_one(ids_["leased"]);
    ids_["queued"] = next("k-queued", "twilio-sms");
    ids_["vonage"] = next("k-vonage", "vonage-sms");
  }

  Words args(Words verb_args) const {
    verb_args.insert(verb_args.begin(), "outbox");
    verb_args.insert(verb_args.end(),
                     {"--db", db_path_, "--set", "privacy.key_file=\"" + key_path_ + "\""});
    return verb_args;
  }

  RunResult run(Words verb_args) const { return run_ventanilla(args(std::move(verb_args))); }

  Raw raw(std::int64_t id) const {
    auto db = storage::Database::open(db_path_, {.read_only = true});
    if (!db) throw std::runtime_error(db.error().message());
    auto s = db->prepare(
        "SELECT status, length(destination_sealed), COALESCE(last_error, ''), next_attempt_ms "
        "FROM outbox WHERE id = ?1");
    s.bind_all(id);
    if (!s.step()) throw std::runtime_error("no row " + std::to_string(id));
    return {s.column_text(0), s.column_int64(1), s.column_text(2), s.column_int64(3)};
  }

  // What must never appear in any output.
  void expect_nothing_private(const RunResult& r) const {
    for (const std::string& stream : {r.out, r.err}) {
      EXPECT_FALSE(contains(stream, kDigits)) << stream;
      EXPECT_FALSE(contains(stream, kBodyWords)) << stream;
      EXPECT_FALSE(contains(stream, subscriber_.substr(0, 8))) << stream;
    }
  }

  TempDir dir_{"ventanilla-outbox"};
  std::string db_path_ = dir_.file("ventanilla.db");
  std::string key_path_ = dir_.file("secret.key");
  std::string subscriber_;  // the stored pseudonym
  std::string tag_;         // "s:" + its log tag
  std::map<std::string, std::int64_t> ids_;
};

// The table row of message `id`, split on blanks ({} if absent).
Words table_row(const std::string& out, std::int64_t id) {
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    Words words;
    std::size_t i = start;
    while (i < end) {
      while (i < end && out[i] == ' ') ++i;
      std::size_t j = i;
      while (j < end && out[j] != ' ') ++j;
      if (j > i) words.push_back(out.substr(i, j - i));
      i = j;
    }
    if (!words.empty() && words.front() == std::to_string(id)) return words;
    start = end + 1;
  }
  return {};
}

TEST_F(OutboxCommands, ListShowsEveryStateWithTagsAndCountsButNoNumberOrText) {
  const RunResult r = run({"list"});
  ASSERT_TRUE(r.status.success()) << describe(r);
  expect_nothing_private(r);
  for (const auto& [state, id] : ids_) {
    const Words row = table_row(r.out, id);
    ASSERT_GE(row.size(), 10u) << state << "\n" << r.out;
    EXPECT_EQ(row[2], state == "vonage" ? "vonage-sms" : "twilio-sms") << r.out;
    EXPECT_EQ(row[3], state == "vonage" ? "queued" : state) << r.out;
    EXPECT_EQ(row[8], tag_) << r.out;
    // Only rows still to be sent have a next attempt.
    const bool waits =
        state == "queued" || state == "vonage" || state == "retry" || state == "in_doubt";
    EXPECT_EQ(row[5] != "-", waits) << state << "\n" << r.out;
    if (waits) {
      EXPECT_EQ(row[5].back(), 'Z') << r.out;
    }
    EXPECT_EQ(row[6], state == "in_doubt" ? "yes" : "-") << r.out;
  }
  // Leased once: a carrier reference; never leased: none.
  EXPECT_EQ(table_row(r.out, ids_["sent"])[1].front(), 'v') << r.out;
  EXPECT_EQ(table_row(r.out, ids_["queued"])[1], "-") << r.out;
  EXPECT_TRUE(contains(r.out, "invalid To +###########")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "outbox: 2 queued, 1 leased, 1 sent, 1 retry, 1 failed, 1 in_doubt; "
                       "1 flagged in doubt; oldest due "))
      << r.out;
}

TEST_F(OutboxCommands, ListJsonHasEveryFieldAndNoNumberOrText) {
  const RunResult r = run({"list", "--json"});
  ASSERT_TRUE(r.status.success()) << describe(r);
  expect_nothing_private(r);
  const json::object doc = json::parse(r.out).as_object();
  const json::array& messages = doc.at("messages").as_array();
  ASSERT_EQ(messages.size(), ids_.size());
  // Newest first.
  EXPECT_EQ(messages.front().at("id").as_int64(), ids_["vonage"]);
  std::map<std::int64_t, json::object> by_id;
  for (const auto& m : messages) by_id[m.at("id").as_int64()] = m.as_object();
  for (const auto& [state, id] : ids_) {
    const json::object& m = by_id.at(id);
    for (const char* field : {"id", "reference", "route", "status", "attempts", "next_attempt",
                              "next_attempt_ms", "in_doubt", "last_error", "delivery_status",
                              "external_id", "subscriber", "created", "updated"}) {
      EXPECT_TRUE(m.contains(field)) << state << " lacks " << field;
    }
    EXPECT_EQ(m.at("status").as_string(), state == "vonage" ? "queued" : state.c_str());
    EXPECT_EQ(m.at("subscriber").as_string(), tag_);
    EXPECT_EQ(m.at("in_doubt").as_bool(), state == "in_doubt");
    EXPECT_FALSE(m.contains("body"));
    EXPECT_FALSE(m.contains("destination"));
  }
  EXPECT_EQ(by_id.at(ids_["sent"]).at("external_id").as_string(), "SM0001");
  EXPECT_TRUE(by_id.at(ids_["sent"]).at("next_attempt").is_null());
  EXPECT_EQ(by_id.at(ids_["sent"]).at("attempts").as_int64(), 1);
  EXPECT_TRUE(by_id.at(ids_["queued"]).at("reference").is_null());
  EXPECT_EQ(by_id.at(ids_["retry"]).at("last_error").as_string(), "http 503");
  EXPECT_TRUE(by_id.at(ids_["retry"]).at("next_attempt").as_string().ends_with("Z"));
  const json::object& counts = doc.at("counts").as_object();
  const std::map<std::string, std::int64_t> expected{{"queued", 2}, {"leased", 1}, {"sent", 1},
                                                     {"retry", 1},  {"failed", 1}, {"in_doubt", 1}};
  EXPECT_EQ(counts.size(), expected.size());
  for (const auto& [status, n] : expected) EXPECT_EQ(counts.at(status).as_int64(), n) << status;
  EXPECT_EQ(doc.at("in_doubt_flagged").as_int64(), 1);
}

TEST_F(OutboxCommands, FiltersAndLimitSelectRows) {
  struct Case {
    Words options;
    std::vector<std::string> expected;  // ids_ keys, newest first
  };
  const std::vector<Case> cases = {
      {{"--status", "retry"}, {"retry"}},
      {{"--status", "queued"}, {"vonage", "queued"}},
      {{"--route", "vonage-sms"}, {"vonage"}},
      {{"--status", "queued", "--route", "twilio-sms"}, {"queued"}},
      {{"--limit", "2"}, {"vonage", "queued"}},
      {{"--status", "sent", "--route", "vonage-sms"}, {}},
  };
  for (const auto& c : cases) {
    Words a{"list", "--json"};
    a.insert(a.end(), c.options.begin(), c.options.end());
    const RunResult r = run(a);
    ASSERT_TRUE(r.status.success()) << describe(r);
    const json::value doc = json::parse(r.out);
    std::vector<std::int64_t> got;
    for (const auto& m : doc.at("messages").as_array()) got.push_back(m.at("id").as_int64());
    std::vector<std::int64_t> want;
    for (const auto& k : c.expected) want.push_back(ids_.at(k));
    EXPECT_EQ(got, want) << c.options.front() << " " << c.options.at(1);
    // Counts stay those of the whole outbox.
    EXPECT_EQ(doc.at("counts").at("queued").as_int64(), 2);
  }
  const RunResult human = run({"list", "--status", "sent", "--route", "vonage-sms"});
  ASSERT_TRUE(human.status.success()) << describe(human);
  EXPECT_TRUE(contains(human.out, "(no messages match)")) << human.out;
}

TEST_F(OutboxCommands, BadUsageExitsTwoNamingTheProblem) {
  struct Case {
    Words args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"list", "--status", "sending"}, "unknown --status 'sending'"},
      {{"list", "--limit", "0"}, "--limit takes a whole number from 1 to 1000, got '0'"},
      {{"list", "--limit", "1001"}, "got '1001'"},
      {{"list", "--limit", "ten"}, "got 'ten'"},
      {{"list", "extra"}, "list takes no arguments"},
      {{"retry", "abc"}, "ID must be a message id"},
      {{"cancel", "-3"}, "got '-3'"},
      {{"retry"}, "retry takes one message ID"},
      {{"cancel", "1", "2"}, "cancel takes one message ID"},
      {{"retry", "1", "--json"}, "--json is for 'outbox list'"},
      {{"purge"}, "unknown subcommand 'purge'"},
      {{}, "expected 'list', 'retry ID' or 'cancel ID'"},
  };
  for (const auto& c : cases) {
    const RunResult r = run(c.args);
    EXPECT_EQ(r.status.code, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    EXPECT_TRUE(contains(r.err, "Usage: ventanilla outbox")) << r.err;
  }
  // Nothing changed.
  EXPECT_EQ(raw(ids_["queued"]).status, "queued");
}

TEST_F(OutboxCommands, RetryQueuesAnInDoubtMessageAgainDueNow) {
  const std::int64_t before = epoch_ms();
  const RunResult r = run({"retry", std::to_string(ids_["in_doubt"])});
  ASSERT_TRUE(r.status.success()) << describe(r);
  EXPECT_TRUE(contains(r.out, "queued again")) << r.out;
  const Raw row = raw(ids_["in_doubt"]);
  EXPECT_EQ(row.status, "queued");
  EXPECT_GE(row.next_attempt_ms, before);
  EXPECT_LE(row.next_attempt_ms, epoch_ms());
  EXPECT_GT(row.sealed_bytes, 0);
}

TEST_F(OutboxCommands, RetryRefusesFailedAndWaitingMessages) {
  const RunResult failed = run({"retry", std::to_string(ids_["failed"])});
  EXPECT_EQ(failed.status.code, 1) << describe(failed);
  EXPECT_TRUE(contains(failed.err, "number was erased")) << failed.err;
  EXPECT_EQ(raw(ids_["failed"]).status, "failed");

  const RunResult queued = run({"retry", std::to_string(ids_["queued"])});
  EXPECT_EQ(queued.status.code, 1) << describe(queued);
  EXPECT_TRUE(contains(queued.err, "is queued: only failed, retry or in_doubt")) << queued.err;
}

TEST_F(OutboxCommands, CancelFailsAQueuedMessageAndErasesItsNumber) {
  const RunResult r = run({"cancel", std::to_string(ids_["queued"])});
  ASSERT_TRUE(r.status.success()) << describe(r);
  expect_nothing_private(r);
  const Raw row = raw(ids_["queued"]);
  EXPECT_EQ(row.status, "failed");
  EXPECT_EQ(row.last_error, "cancelled by staff");
  EXPECT_EQ(row.sealed_bytes, 0);
  // The other queued row is untouched.
  EXPECT_EQ(raw(ids_["vonage"]).status, "queued");
}

TEST_F(OutboxCommands, CancelRefusesSentAndLeasedMessages) {
  struct Case {
    std::string state;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"sent", "is sent: only queued, retry or in_doubt"},
           {"leased", "is leased: a sender is calling the carrier"},
       }) {
    const RunResult r = run({"cancel", std::to_string(ids_[c.state])});
    EXPECT_EQ(r.status.code, 1) << describe(r);
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    EXPECT_EQ(raw(ids_[c.state]).status, c.state);
  }
}

TEST_F(OutboxCommands, UnknownIdExitsOne) {
  for (const std::string verb : {"retry", "cancel"}) {
    const RunResult r = run({verb, "999"});
    EXPECT_EQ(r.status.code, 1) << describe(r);
    EXPECT_TRUE(contains(r.err, verb + ": no message 999")) << r.err;
  }
}

TEST_F(OutboxCommands, MissingDatabaseExitsOneAndCreatesNothing) {
  const std::string missing = dir_.file("nowhere.db");
  const RunResult r = run_ventanilla({"outbox", "list", "--db", missing});
  EXPECT_EQ(r.status.code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "no database at " + missing)) << r.err;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(OutboxCommands, WithoutTheKeySubscribersAreNotShown) {
  const RunResult r = run_ventanilla({"outbox", "list", "--json", "--db", db_path_, "--set",
                                      "privacy.key_file=\"" + dir_.file("absent.key") + "\""});
  ASSERT_TRUE(r.status.success()) << describe(r);
  expect_nothing_private(r);
  EXPECT_TRUE(contains(r.err, "subscribers shown as '-'")) << r.err;
  const json::value doc = json::parse(r.out);
  ASSERT_EQ(doc.at("messages").as_array().size(), ids_.size());
  for (const auto& m : doc.at("messages").as_array()) EXPECT_TRUE(m.at("subscriber").is_null());
  EXPECT_FALSE(std::filesystem::exists(dir_.file("absent.key")));
}

}  // namespace
}  // namespace ventanilla::test
