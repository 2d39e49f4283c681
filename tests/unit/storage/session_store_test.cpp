#include "storage/session_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/migrations.hpp"
#include "storage/sqlite_error.hpp"
#include "storage/storage_writer.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::storage {
namespace {

using namespace std::string_view_literals;

const std::string kAlice(64, 'a');
const std::string kBob(64, 'b');

Database open_migrated(const std::string& path) {
  auto db = Database::open(path);
  if (!db) throw std::runtime_error(db.error().message());
  auto migrated = apply_migrations(*db, embedded_migrations());
  if (!migrated) throw std::runtime_error(migrated.error().message());
  return std::move(*db);
}

StoredSession make_session(std::string carrier, std::string key, std::string subscriber,
                           std::int64_t created_ms, std::int64_t updated_ms, bool ended = false) {
  StoredSession s;
  s.carrier = std::move(carrier);
  s.session_key = std::move(key);
  s.subscriber = std::move(subscriber);
  s.state = "{\"screen\":\"lang\"}";
  s.consumed = 0;
  s.created_ms = created_ms;
  s.updated_ms = updated_ms;
  s.expires_ms = updated_ms + 180'000;
  s.ended = ended;
  return s;
}

void expect_same(const StoredSession& actual, const StoredSession& expected) {
  EXPECT_EQ(actual.carrier, expected.carrier);
  EXPECT_EQ(actual.session_key, expected.session_key);
  EXPECT_EQ(actual.subscriber, expected.subscriber);
  EXPECT_EQ(actual.state, expected.state);
  EXPECT_EQ(actual.consumed, expected.consumed);
  EXPECT_EQ(actual.created_ms, expected.created_ms);
  EXPECT_EQ(actual.updated_ms, expected.updated_ms);
  EXPECT_EQ(actual.expires_ms, expected.expires_ms);
  EXPECT_EQ(actual.ended, expected.ended);
}

OutboxMessage make_message(std::string key, std::string body) {
  OutboxMessage m;
  m.idempotency_key = std::move(key);
  m.subscriber = kAlice;
  m.destination_sealed = std::string("\x01sealed\x02", 8);
  m.body = std::move(body);
  m.route = "at-sms";
  m.now_ms = 5'000;
  return m;
}

class SessionStoreTest : public ::testing::Test {
 protected:
  std::int64_t count(std::string_view table) {
    auto stmt = db_.prepare("SELECT count(*) FROM " + std::string(table));
    stmt.step();
    return stmt.column_int64(0);
  }

  test::TempDir dir_;
  Database db_ = open_migrated(dir_.file("sessions.db"));
};

// --- sessions ---------------------------------------------------------------------------------

TEST_F(SessionStoreTest, SavedSessionLoadsBackFieldForField) {
  StoredSession s = make_session("at-ussd", "ATUid_1", kAlice, 1'000, 2'000);
  s.state = "state with 'quotes', \"json\" and ñ";
  s.consumed = 3;
  s.expires_ms = 182'000;
  save_session(db_, s);

  const auto loaded = load_session(db_, "at-ussd", "ATUid_1");
  ASSERT_TRUE(loaded);
  expect_same(*loaded, s);
}

TEST_F(SessionStoreTest, LoadOfAnUnknownSessionIsEmpty) {
  save_session(db_, make_session("at-ussd", "ATUid_1", kAlice, 1'000, 1'000));
  EXPECT_FALSE(load_session(db_, "at-ussd", "ATUid_2"));
  EXPECT_FALSE(load_session(db_, "other-ussd", "ATUid_1")) << "the carrier is part of the key";
}

TEST_F(SessionStoreTest, SaveReplacesEveryFieldOfTheSameKey) {
  save_session(db_, make_session("at-ussd", "ATUid_1", kAlice, 1'000, 1'000, /*ended=*/true));
  StoredSession replacement = make_session("at-ussd", "ATUid_1", kBob, 1'500, 3'000);
  replacement.state = "step 2";
  replacement.consumed = 2;
  save_session(db_, replacement);

  const auto loaded = load_session(db_, "at-ussd", "ATUid_1");
  ASSERT_TRUE(loaded);
  expect_same(*loaded, replacement);
  EXPECT_EQ(count("sessions"), 1);
}

TEST_F(SessionStoreTest, EndSessionSetsEndedAndNothingElse) {
  const StoredSession s = make_session("at-ussd", "ATUid_1", kAlice, 1'000, 2'000);
  save_session(db_, s);
  end_session(db_, "at-ussd", "ATUid_1");
  end_session(db_, "at-ussd", "unknown");  // no-op, no throw

  const auto loaded = load_session(db_, "at-ussd", "ATUid_1");
  ASSERT_TRUE(loaded);
  StoredSession expected = s;
  expected.ended = true;
  expect_same(*loaded, expected);
  EXPECT_EQ(count("sessions"), 1);
}

struct ResumableCase {
  std::string_view name;
  std::vector<StoredSession> sessions;
  std::string_view expected;  // "carrier/key", or "" for none
};

TEST_F(SessionStoreTest, FindResumableSessionPicksTheNewestEligibleOne) {
  // Every case asks for Alice's sessions updated at or after 1000, other than at-ussd/current.
  constexpr std::int64_t kSince = 1'000;
  const std::vector<ResumableCase> cases = {
      {"newest of several is chosen",
       {make_session("at-ussd", "s1", kAlice, 900, 1'000),
        make_session("at-ussd", "s2", kAlice, 900, 1'500),
        make_session("at-ussd", "s3", kAlice, 900, 1'200)},
       "at-ussd/s2"},
      {"an ended session is skipped for an older one",
       {make_session("at-ussd", "s1", kAlice, 900, 1'200),
        make_session("at-ussd", "s2", kAlice, 900, 1'500, /*ended=*/true)},
       "at-ussd/s1"},
      {"updated before since is too old", {make_session("at-ussd", "s1", kAlice, 900, 999)}, ""},
      {"updated exactly at since qualifies",
       {make_session("at-ussd", "s1", kAlice, 900, 1'000)},
       "at-ussd/s1"},
      {"the excepted session is skipped even when newest",
       {make_session("at-ussd", "current", kAlice, 900, 2'000),
        make_session("at-ussd", "s1", kAlice, 900, 1'100)},
       "at-ussd/s1"},
      {"only the excepted session: none",
       {make_session("at-ussd", "current", kAlice, 900, 2'000)},
       ""},
      {"the same key on another carrier is not excepted",
       {make_session("other-ussd", "current", kAlice, 900, 2'000)},
       "other-ussd/current"},
      {"another subscriber's session is never offered",
       {make_session("at-ussd", "s1", kBob, 900, 2'000)},
       ""},
      {"a tie on updated_ms goes to the newest created_ms",
       {make_session("at-ussd", "s1", kAlice, 200, 1'500),
        make_session("at-ussd", "s2", kAlice, 100, 1'500)},
       "at-ussd/s1"},
      {"expired (past expires_ms) still qualifies: resuming is for dropped sessions",
       {[] {
         StoredSession s = make_session("at-ussd", "s1", kAlice, 900, 1'000);
         s.expires_ms = 1'001;
         return s;
       }()},
       "at-ussd/s1"},
  };
  for (const ResumableCase& c : cases) {
    SCOPED_TRACE(c.name);
    db_.exec("DELETE FROM sessions");
    for (const StoredSession& s : c.sessions) save_session(db_, s);
    const auto found = find_resumable_session(db_, kAlice, kSince, "at-ussd", "current");
    const std::string got = found ? found->carrier + "/" + found->session_key : "";
    EXPECT_EQ(got, c.expected);
    if (found) {
      EXPECT_EQ(found->subscriber, kAlice);
    }
  }
}

TEST_F(SessionStoreTest, FindResumableSessionReturnsEveryField) {
  StoredSession s = make_session("at-ussd", "s1", kAlice, 900, 1'000);
  s.state = "hub list, page 2";
  s.consumed = 4;
  save_session(db_, s);
  const auto found = find_resumable_session(db_, kAlice, 0, "at-ussd", "current");
  ASSERT_TRUE(found);
  expect_same(*found, s);
}

// --- stored replies ---------------------------------------------------------------------------

TEST_F(SessionStoreTest, StoredReplyIsFoundAndTheFirstStoreWins) {
  EXPECT_FALSE(find_stored_reply(db_, "at-ussd", "ATUid_1|1*2", 1'000));
  store_reply(db_, "at-ussd", "ATUid_1|1*2", "CON first", 1'000, 601'000);
  store_reply(db_, "at-ussd", "ATUid_1|1*2", "CON second", 1'100, 601'100);

  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "ATUid_1|1*2", 1'200), "CON first");
  EXPECT_EQ(count("inbound_seen"), 1);
  // The first row's expiry stays too: the second store changed nothing.
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "ATUid_1|1*2", 601'000), "CON first");
  EXPECT_FALSE(find_stored_reply(db_, "at-ussd", "ATUid_1|1*2", 601'001));
}

TEST_F(SessionStoreTest, StoredRepliesAreKeyedPerCarrier) {
  store_reply(db_, "at-ussd", "k", "CON at", 1'000, 2'000);
  store_reply(db_, "other-ussd", "k", "CON other", 1'000, 2'000);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 1'500), "CON at");
  EXPECT_EQ(find_stored_reply(db_, "other-ussd", "k", 1'500), "CON other");
  EXPECT_FALSE(find_stored_reply(db_, "at-ussd", "k2", 1'500));
}

TEST_F(SessionStoreTest, StoredReplyIsLiveUntilExactlyItsExpiry) {
  store_reply(db_, "at-ussd", "k", "END bye", 1'000, 2'000);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 1'000), "END bye");
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 2'000), "END bye") << "live at expires_ms";
  EXPECT_FALSE(find_stored_reply(db_, "at-ussd", "k", 2'001)) << "expired after expires_ms";
}

TEST_F(SessionStoreTest, StoreOverAnExpiredUnpurgedReplyReplacesIt) {
  store_reply(db_, "at-ussd", "k", "CON old", 1'000, 2'000);
  // At 2000 the old row is still live: first wins.
  store_reply(db_, "at-ussd", "k", "CON early", 2'000, 3'000);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 2'000), "CON old");
  // At 2001 it has expired: the new reply is stored with its own expiry and is what replays see.
  store_reply(db_, "at-ussd", "k", "CON new", 2'001, 4'000);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 2'001), "CON new");
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 4'000), "CON new");
  store_reply(db_, "at-ussd", "k", "CON newer", 2'500, 5'000);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 3'000), "CON new");
  EXPECT_EQ(count("inbound_seen"), 1);
}

TEST_F(SessionStoreTest, StoredReplyKeepsBytesExactly) {
  const std::string reply = "CON Elige:\n1. Español\n2. English\n3. Kʼicheʼ \t";
  store_reply(db_, "at-ussd", "k", reply, 1'000, 2'000);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "k", 1'000), reply);
}

// --- subscribers ------------------------------------------------------------------------------

TEST_F(SessionStoreTest, UnknownSubscriberHasTheDefaults) {
  const SubscriberSettings settings = load_subscriber(db_, kAlice);
  EXPECT_FALSE(settings.language);
  EXPECT_FALSE(settings.opted_out);
  EXPECT_EQ(count("subscribers"), 0) << "loading must not create a row";
}

TEST_F(SessionStoreTest, LanguageAndOptOutAreRememberedIndependently) {
  remember_language(db_, kAlice, "es", 1'000);
  SubscriberSettings s = load_subscriber(db_, kAlice);
  EXPECT_EQ(s.language, "es");
  EXPECT_FALSE(s.opted_out);

  set_opted_out(db_, kAlice, true, 2'000);
  s = load_subscriber(db_, kAlice);
  EXPECT_EQ(s.language, "es") << "opting out keeps the language";
  EXPECT_TRUE(s.opted_out);

  remember_language(db_, kAlice, "en", 3'000);
  s = load_subscriber(db_, kAlice);
  EXPECT_EQ(s.language, "en");
  EXPECT_TRUE(s.opted_out) << "a language change keeps the opt-out";

  set_opted_out(db_, kAlice, false, 4'000);
  EXPECT_FALSE(load_subscriber(db_, kAlice).opted_out);

  auto updated = db_.prepare("SELECT updated_ms FROM subscribers WHERE subscriber = ?1");
  updated.bind(1, std::string_view(kAlice));
  ASSERT_TRUE(updated.step());
  EXPECT_EQ(updated.column_int64(0), 4'000);

  // Bob opted out before ever choosing a language.
  set_opted_out(db_, kBob, true, 5'000);
  s = load_subscriber(db_, kBob);
  EXPECT_FALSE(s.language);
  EXPECT_TRUE(s.opted_out);
  EXPECT_EQ(load_subscriber(db_, kAlice).language, "en") << "Bob's row is separate";
}

// --- outbox -----------------------------------------------------------------------------------

TEST_F(SessionStoreTest, EnqueueSmsQueuesOncePerIdempotencyKey) {
  EXPECT_TRUE(enqueue_sms(db_, make_message("at-ussd/ATUid_1/sms", "Hub A, Calle 1")));
  OutboxMessage replay = make_message("at-ussd/ATUid_1/sms", "a different body");
  replay.now_ms = 9'000;
  EXPECT_FALSE(enqueue_sms(db_, replay));
  EXPECT_EQ(count("outbox"), 1);

  auto row = db_.prepare(
      "SELECT subscriber, body, route, status, attempts, next_attempt_ms, created_ms, updated_ms "
      "FROM outbox WHERE idempotency_key = 'at-ussd/ATUid_1/sms'");
  ASSERT_TRUE(row.step());
  EXPECT_EQ(row.column_text(0), kAlice);
  EXPECT_EQ(row.column_text(1), "Hub A, Calle 1") << "a replay leaves the first row untouched";
  EXPECT_EQ(row.column_text(2), "at-sms");
  EXPECT_EQ(row.column_text(3), "queued");
  EXPECT_EQ(row.column_int64(4), 0);
  EXPECT_EQ(row.column_int64(5), 5'000);
  EXPECT_EQ(row.column_int64(6), 5'000);
  EXPECT_EQ(row.column_int64(7), 5'000);

  EXPECT_TRUE(enqueue_sms(db_, make_message("at-ussd/ATUid_2/sms", "Hub B")));
  EXPECT_EQ(count("outbox"), 2);
}

TEST_F(SessionStoreTest, SealedDestinationKeepsArbitraryBytesIncludingNul) {
  const std::vector<std::string> destinations = {
      std::string("\0\0\0"sv), std::string("nonce\0\xff\x80tag\0"sv),
      std::string(),  // an empty blob is still a blob, not NULL
  };
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    SCOPED_TRACE(i);
    OutboxMessage m = make_message("key-" + std::to_string(i), "body");
    m.destination_sealed = destinations[i];
    ASSERT_TRUE(enqueue_sms(db_, m));

    auto row = db_.prepare(
        "SELECT typeof(destination_sealed), destination_sealed FROM outbox "
        "WHERE idempotency_key = ?1");
    row.bind(1, std::string_view(m.idempotency_key));
    ASSERT_TRUE(row.step());
    EXPECT_EQ(row.column_text(0), "blob");
    const auto bytes = row.column_blob_view(1);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
              destinations[i]);
  }
}

// --- purge ------------------------------------------------------------------------------------

TEST_F(SessionStoreTest, PurgeDeletesStrictlyOlderRowsAndKeepsRowsAtTheLimit) {
  constexpr std::int64_t kNow = 1'000'000;
  constexpr std::int64_t kKeep = 600'000;  // max(USSD expiry, resume window)
  constexpr std::int64_t kCutoff = kNow - kKeep;
  save_session(db_, make_session("at-ussd", "older", kAlice, 0, kCutoff - 1));
  save_session(db_, make_session("at-ussd", "at-limit", kAlice, 0, kCutoff));
  save_session(db_, make_session("at-ussd", "newer", kAlice, 0, kCutoff + 1));
  store_reply(db_, "at-ussd", "expired", "END a", 0, kNow - 1);
  store_reply(db_, "at-ussd", "at-limit", "END b", 0, kNow);
  store_reply(db_, "at-ussd", "live", "END c", 0, kNow + 1);
  remember_language(db_, kAlice, "es", 0);
  ASSERT_TRUE(enqueue_sms(db_, make_message("sms-1", "body")));

  const PurgeReport report = purge_expired(db_, kNow, kKeep);
  EXPECT_EQ(report.sessions, 1);
  EXPECT_EQ(report.replies, 1);
  EXPECT_FALSE(load_session(db_, "at-ussd", "older"));
  EXPECT_TRUE(load_session(db_, "at-ussd", "at-limit")) << "updated_ms == now - keep is kept";
  EXPECT_TRUE(load_session(db_, "at-ussd", "newer"));
  EXPECT_EQ(count("inbound_seen"), 2);
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "at-limit", kNow), "END b")
      << "expires_ms == now is kept (and still replayed)";
  EXPECT_EQ(find_stored_reply(db_, "at-ussd", "live", kNow), "END c");
  EXPECT_EQ(count("subscribers"), 1) << "purge leaves subscribers alone";
  EXPECT_EQ(count("outbox"), 1) << "purge leaves the outbox alone";

  const PurgeReport again = purge_expired(db_, kNow, kKeep);
  EXPECT_EQ(again.sessions, 0);
  EXPECT_EQ(again.replies, 0);
}

TEST_F(SessionStoreTest, PurgeIgnoresEndedAndExpiresForSessions) {
  // Only updated_ms decides: an ended session inside the window is kept (it may still be the
  // session a replayed hop belongs to), a never-expiring one past it is deleted.
  save_session(db_, make_session("at-ussd", "ended", kAlice, 0, 900, /*ended=*/true));
  StoredSession old = make_session("at-ussd", "old", kAlice, 0, 10);
  old.expires_ms = 1'000'000'000;
  save_session(db_, old);
  EXPECT_EQ(purge_expired(db_, 1'000, 500).sessions, 1);
  EXPECT_TRUE(load_session(db_, "at-ussd", "ended"));
  EXPECT_FALSE(load_session(db_, "at-ussd", "old"));
}

// --- schema, errors and the writer ------------------------------------------------------------

TEST(SessionStoreSchema, MigrationAppliesOnADatabaseAlreadyAtTheDirectorySchema) {
  test::TempDir dir;
  const std::string path = dir.file("upgrade.db");
  std::vector<Migration> first_two;
  for (const Migration& m : embedded_migrations()) {
    if (m.version <= 2) first_two.push_back(m);
  }
  ASSERT_EQ(first_two.size(), 2u);
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db) << db.error().message();
    auto report = apply_migrations(*db, first_two);
    ASSERT_TRUE(report) << report.error().message();
    ASSERT_EQ(report->version, 2);
    db->exec("INSERT INTO meta (key, value) VALUES ('created', 'before 0003')");
  }

  auto db = Database::open(path);
  ASSERT_TRUE(db) << db.error().message();
  auto report = apply_migrations(*db, embedded_migrations());
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_FALSE(report->applied.empty());
  EXPECT_EQ(report->applied.front(), 3);

  auto meta = db->prepare("SELECT value FROM meta WHERE key = 'created'");
  ASSERT_TRUE(meta.step());
  EXPECT_EQ(meta.column_text(0), "before 0003");

  // name → (WITHOUT ROWID, STRICT), as SQLite reports it.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> tables;
  auto list = db->prepare(
      "SELECT name, wr, strict FROM pragma_table_list "
      "WHERE name IN ('sessions', 'inbound_seen', 'subscribers', 'outbox')");
  while (list.step()) {
    tables[list.column_text(0)] = {list.column_int64(1), list.column_int64(2)};
  }
  const std::map<std::string, std::pair<std::int64_t, std::int64_t>> expected = {
      {"sessions", {1, 1}}, {"inbound_seen", {1, 1}}, {"subscribers", {1, 1}}, {"outbox", {0, 1}}};
  EXPECT_EQ(tables, expected);

  std::vector<std::string> indexes;
  auto idx = db->prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL "
      "AND tbl_name IN ('sessions', 'inbound_seen', 'subscribers', 'outbox') ORDER BY name");
  while (idx.step()) indexes.push_back(idx.column_text(0));
  EXPECT_EQ(indexes,
            (std::vector<std::string>{"inbound_seen_by_expiry", "outbox_by_external_id",
                                      "outbox_by_reference", "outbox_by_status", "outbox_due",
                                      "sessions_by_age", "sessions_by_subscriber"}));

  // The new tables work on the upgraded database.
  save_session(*db, make_session("at-ussd", "s1", kAlice, 1, 2));
  EXPECT_TRUE(load_session(*db, "at-ussd", "s1"));
  EXPECT_EQ(db->integrity_check(), "ok");
}

TEST(SessionStoreSchema, OutboxStatusIsCheckedAndStrictTypesAreEnforced) {
  test::TempDir dir;
  Database db = open_migrated(dir.file("checks.db"));
  ASSERT_TRUE(enqueue_sms(db, make_message("k", "body")));
  EXPECT_THROW(db.exec("UPDATE outbox SET status = 'lost'"), SqliteError);
  db.exec("UPDATE outbox SET status = 'in_doubt'");
  save_session(db, make_session("at-ussd", "s1", kAlice, 1, 2));
  EXPECT_THROW(db.exec("UPDATE sessions SET consumed = 'many'"), SqliteError);
  EXPECT_THROW(db.exec("UPDATE sessions SET ended = 2"), SqliteError);
}

TEST(SessionStoreSchema, FunctionsLetSqliteErrorsPropagate) {
  // Without migration 3 every statement fails to prepare: the error must reach the caller (the
  // writer turns it into an Error) rather than read as "nothing stored".
  test::TempDir dir;
  auto db = Database::open(dir.file("bare.db"));
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_THROW(load_session(*db, "at-ussd", "s1"), SqliteError);
  EXPECT_THROW(find_stored_reply(*db, "at-ussd", "k", 0), SqliteError);
  EXPECT_THROW(load_subscriber(*db, kAlice), SqliteError);
  EXPECT_THROW(enqueue_sms(*db, make_message("k", "b")), SqliteError);
  EXPECT_THROW(purge_expired(*db, 0, 0), SqliteError);
}

TEST(SessionStoreWriter, AHopsWritesCommitTogetherOrNotAtAll) {
  test::TempDir dir;
  const std::string path = dir.file("writer.db");
  const StoredSession first = make_session("at-ussd", "s1", kAlice, 1'000, 1'000);
  {
    StorageWriter writer(open_migrated(path));
    auto ok = writer.run_sync([&](Database& db) {
      save_session(db, first);
      store_reply(db, "at-ussd", "s1|", "CON Idioma", 1'000, 601'000);
      EXPECT_TRUE(enqueue_sms(db, make_message("s1/sms", "Hub A")));
      // Reads inside the job see the job's own writes.
      EXPECT_EQ(find_stored_reply(db, "at-ussd", "s1|", 1'000), "CON Idioma");
    });
    ASSERT_TRUE(ok) << ok.error().message();

    auto failed = writer.run_sync([&](Database& db) {
      StoredSession next = first;
      next.state = "step 2";
      next.updated_ms = 2'000;
      save_session(db, next);
      store_reply(db, "at-ussd", "s1|1", "CON Pais", 2'000, 602'000);
      remember_language(db, kAlice, "es", 2'000);
      throw std::runtime_error("the dialog failed after writing");
    });
    EXPECT_FALSE(failed);
    ASSERT_TRUE(writer.stop());
  }
  Database db = open_migrated(path);
  const auto loaded = load_session(db, "at-ussd", "s1");
  ASSERT_TRUE(loaded);
  expect_same(*loaded, first);
  EXPECT_EQ(find_stored_reply(db, "at-ussd", "s1|", 1'000), "CON Idioma");
  EXPECT_FALSE(find_stored_reply(db, "at-ussd", "s1|1", 2'000));
  EXPECT_FALSE(load_subscriber(db, kAlice).language);
}

}  // namespace
}  // namespace ventanilla::storage
