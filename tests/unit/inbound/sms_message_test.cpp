// The SMS pipeline on a real SQLite file, the shipped menus and the shipped directory: keywords,
// conversations, dedupe and the outbox, as one writer job per message would run them.

#include "inbound/sms_message.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "dialog/menu_set.hpp"
#include "storage/migrations.hpp"
#include "storage/session_store.hpp"
#include "storage/transaction.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::inbound {
namespace {

namespace fs = std::filesystem;

std::vector<dialog::MenuFile> shipped_menu_files() {
  const fs::path dir = fs::path(VENTANILLA_SOURCE_DIR) / "menus";
  std::vector<dialog::MenuFile> files{{"menu.toml", test::read_file(dir / "menu.toml")}};
  for (const auto& entry : fs::directory_iterator(dir / "texts"))
    files.push_back({"texts/" + entry.path().filename().string(), test::read_file(entry.path())});
  return files;
}

constexpr std::string_view kKey =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr std::int64_t kNow = 1'800'000'000'000;

class SmsMessage : public testing::Test {
 protected:
  void SetUp() override {
    auto built = dialog::MenuSet::build(shipped_menu_files());
    ASSERT_TRUE(built.menus) << (built.errors.empty() ? "" : built.errors[0].to_string());
    menus_ = built.menus;
    auto db = storage::Database::open(dir_.file("v.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(storage::apply_migrations(*db, storage::embedded_migrations()));
    db_.emplace(std::move(*db));
    auto p = privacy::Pseudonymizer::from_hex(kKey);
    ASSERT_TRUE(p);
    pseudonymizer_.emplace(std::move(*p));
    settings_.route = "test";
  }

  // One message, committed like a writer job would.
  SmsOutcome send(std::string_view from, std::string_view text, std::string id = "",
                  std::int64_t now = kNow, std::optional<SmsPart> part = std::nullopt) {
    auto phone = privacy::PhoneNumber::parse(from);
    EXPECT_TRUE(phone);
    const SmsContext ctx{*menus_, test::shipped_directory(), *pseudonymizer_, settings_};
    const SmsMessageInput input{
        std::move(id), std::string(text), "", pseudonymizer_->pseudonymize(*phone),
        &*phone,       std::move(part)};
    storage::Transaction tx(*db_);
    auto out = run_sms_message(*db_, ctx, input, now, std::chrono::sys_days{});
    tx.commit();
    return out;
  }

  std::string subscriber(std::string_view from) {
    return std::string(pseudonymizer_->pseudonymize(*privacy::PhoneNumber::parse(from)).value());
  }

  std::int64_t count(const char* sql) {
    auto stmt = db_->prepare(sql);
    stmt.step();
    return stmt.column_int64(0);
  }

  test::TempDir dir_{"ventanilla-sms"};
  std::shared_ptr<const dialog::MenuSet> menus_;
  std::optional<storage::Database> db_;
  std::optional<privacy::Pseudonymizer> pseudonymizer_;
  SmsRouteSettings settings_;
};

TEST_F(SmsMessage, AFirstMessageStartsAConversationAndTheNextStepsThroughTheMenus) {
  const auto first = send("+50255550001", "hola", "m1");
  ASSERT_TRUE(first.reply);
  EXPECT_NE(first.reply->find("1 Español"), std::string::npos) << *first.reply;
  const auto second = send("+50255550001", "1", "m2");
  ASSERT_TRUE(second.reply);
  EXPECT_NE(second.reply->find("1 Guatemala"), std::string::npos) << *second.reply;  // detected
  EXPECT_EQ(storage::load_subscriber(*db_, subscriber("+50255550001")).language, "es");
  // Every reply fits one SMS.
  for (const auto* r : {&*first.reply, &*second.reply}) {
    EXPECT_LE(text::screen_fit(text::text_cost(*r), settings_.screen()).units, 160u) << *r;
  }
}

TEST_F(SmsMessage, ARetryWithTheSameIdGetsTheSameReplyAndNoSecondStep) {
  send("+50255550002", "hola", "a1");
  const auto step = send("+50255550002", "1", "a2");
  const auto retry = send("+50255550002", "1", "a2");
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.reply, step.reply);
  // The retry did not step: "1" now picks the first country and shows the need menu (had the
  // retry stepped, this "1" would have landed on the need menu and shown "where are you").
  const auto next = send("+50255550002", "1", "a3");
  ASSERT_TRUE(next.reply);
  EXPECT_NE(next.reply->find("Ventanilla mas cercana"), std::string::npos) << *next.reply;
}

TEST_F(SmsMessage, WithoutAnIdTheSameTextWithinTheWindowIsARetry) {
  send("+50255550003", "hola");
  const auto a = send("+50255550003", "1", "", kNow + 1000);
  const auto b = send("+50255550003", "1", "", kNow + 2000);
  EXPECT_TRUE(b.replayed);
  EXPECT_EQ(a.reply, b.reply);
  const auto later = send("+50255550003", "1", "", kNow + 1000 + 121'000);
  EXPECT_FALSE(later.replayed);
}

TEST_F(SmsMessage, StopSilencesEverythingUntilStart) {
  const auto stop = send("+50255550004", "ALTO", "s1");
  ASSERT_TRUE(stop.reply);
  EXPECT_NE(stop.reply->find("ALTA"), std::string::npos) << *stop.reply;
  EXPECT_TRUE(storage::load_subscriber(*db_, subscriber("+50255550004")).opted_out);
  EXPECT_FALSE(send("+50255550004", "hola", "s2").reply.has_value());
  EXPECT_FALSE(send("+50255550004", "CENTRO Tapachula", "s3").reply.has_value());
  // HELP still answers: it tells how to come back.
  EXPECT_TRUE(send("+50255550004", "AYUDA", "s4").reply.has_value());
  const auto start = send("+50255550004", "alta", "s5");
  ASSERT_TRUE(start.reply);
  EXPECT_FALSE(storage::load_subscriber(*db_, subscriber("+50255550004")).opted_out);
  EXPECT_TRUE(send("+50255550004", "hola", "s6").reply.has_value());
}

TEST_F(SmsMessage, KeywordsAnswerInTheLanguageOfTheWord) {
  const auto stop = send("+50255550005", "STOP", "k1");
  ASSERT_TRUE(stop.reply);
  EXPECT_NE(stop.reply->find("START"), std::string::npos) << *stop.reply;  // English text
  const auto kanpe = send("+50255550006", "kanpe", "k2");
  ASSERT_TRUE(kanpe.reply);
  EXPECT_NE(kanpe.reply->find("Ventanilla"), std::string::npos);
  EXPECT_EQ(kanpe.language, "ht");
}

TEST_F(SmsMessage, CentroTownAnswersWithTheNearestHubsInOneSms) {
  const auto r = send("+525512345678", "CENTRO Tapachla", "h1");  // typo on purpose
  ASSERT_TRUE(r.reply);
  EXPECT_NE(r.reply->find("km"), std::string::npos) << *r.reply;
  EXPECT_NE(r.reply->find("Tapachula"), std::string::npos) << *r.reply;
  EXPECT_LE(text::screen_fit(text::text_cost(*r.reply), settings_.screen()).units, 160u);
  const auto usage = send("+525512345678", "centro", "h2");
  EXPECT_NE(usage.reply->find("Tapachula"), std::string::npos) << *usage.reply;  // the example
}

TEST_F(SmsMessage, EraseRemovesEverythingStoredForTheSender) {
  send("+50255550007", "hola", "e1");
  send("+50255550007", "1", "e2");
  const std::string who = subscriber("+50255550007");
  ASSERT_EQ(storage::load_subscriber(*db_, who).language, "es");
  const auto erased = send("+50255550007", "BORRAR", "e3");
  ASSERT_TRUE(erased.reply);
  EXPECT_FALSE(storage::load_subscriber(*db_, who).language.has_value());
  auto stmt = db_->prepare("SELECT COUNT(*) FROM sessions WHERE subscriber = ?1");
  stmt.bind(1, std::string_view(who));
  stmt.step();
  EXPECT_EQ(stmt.column_int64(0), 0);
}

TEST_F(SmsMessage, RoutesThatDoNotReplyInlineQueueTheReplySealed) {
  settings_.replies_inline = false;
  const auto r = send("+50255550008", "hola", "o1");
  EXPECT_EQ(r.queued, 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE status = 'queued'"), 1);
  auto stmt = db_->prepare("SELECT destination_sealed, body FROM outbox");
  ASSERT_TRUE(stmt.step());
  const auto blob = stmt.column_blob_view(0);
  const std::string sealed(reinterpret_cast<const char*>(blob.data()), blob.size());
  EXPECT_EQ(sealed.find("50255550008"), std::string::npos);
  EXPECT_NE(stmt.column_text(1).find("Español"), std::string::npos);
  // A retry queues nothing more.
  send("+50255550008", "hola", "o1");
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox"), 1);
}

TEST_F(SmsMessage, PartsOfALongMessageWaitForEachOtherThenActOnce) {
  // "CENTRO Tapachula" split in three parts arriving out of order.
  EXPECT_FALSE(send("+525512340000", "hula", "p3", kNow, SmsPart{"ref1", 3, 3}).reply);
  EXPECT_FALSE(send("+525512340000", "CENTRO ", "p1", kNow, SmsPart{"ref1", 3, 1}).reply);
  // The last part to arrive answers for the whole message ("CENTRO Tapachula")...
  const auto whole = send("+525512340000", "Tapac", "p2", kNow, SmsPart{"ref1", 3, 2});
  ASSERT_TRUE(whole.reply);
  EXPECT_NE(whole.reply->find("km"), std::string::npos) << *whole.reply;
  EXPECT_EQ(count("SELECT COUNT(*) FROM sms_parts"), 0);  // consumed once complete
  // ...and a retry of it replays that answer instead of acting again.
  const auto replay = send("+525512340000", "Tapac", "p2", kNow, SmsPart{"ref1", 3, 2});
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.reply, whole.reply);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sms_parts"), 0);
  // An incomplete message keeps its parts until they are purged with old sessions.
  send("+525512340000", "solo ", "q1", kNow, SmsPart{"ref2", 2, 1});
  EXPECT_EQ(count("SELECT COUNT(*) FROM sms_parts"), 1);
  storage::purge_expired(*db_, kNow + 2'000'000, 1'000'000);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sms_parts"), 0);
}

}  // namespace
}  // namespace ventanilla::inbound
