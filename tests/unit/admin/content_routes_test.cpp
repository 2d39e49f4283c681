// Editing, checking, publishing and rolling back menu content through the admin dispatcher, over
// a real SQLite file seeded with the repository's menus and checked against its directory: the
// same checks `ventanilla check` runs.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "admin/admin_api.hpp"
#include "admin/po_file.hpp"
#include "admin_test_support.hpp"
#include "carriers/form_body.hpp"
#include "dialog/text_file.hpp"
#include "storage/audit_store.hpp"
#include "storage/menu_store.hpp"
#include "storage/transaction.hpp"
#include "support/shipped_data.hpp"
#include "support/temp_dir.hpp"

namespace ventanilla::admin {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
const std::string kHub = "/admin/api/content/draft/texts/es/need.hub";

std::vector<storage::StoredMenuFile> shipped_menus() {
  std::vector<storage::StoredMenuFile> files;
  const std::filesystem::path dir = std::string(VENTANILLA_SOURCE_DIR) + "/menus";
  files.push_back({"menu.toml", test::read_file(dir / "menu.toml")});
  for (const char* lang : {"en", "es", "fr", "ht", "pt"}) {
    const std::string path = std::string("texts/") + lang + ".toml";
    files.push_back({path, test::read_file(dir / path)});
  }
  return files;
}

class ContentRoutes : public ::testing::Test {
 protected:
  ContentRoutes()
      : db_(test_support::open_migrated(dir_.file("content.db"))),
        api_(test_support::null_logger(),
             AdminServices{[] {
                             return std::shared_ptr<const directory::Directory>(
                                 &test::shipped_directory(), [](const auto*) {});
                           },
                           {{"ussd", {182, text::EncodingPolicy::kGsm7}}},
                           [this] { ++content_changes_; }}) {
    {
      storage::Transaction tx(db_);
      storage::publish_menu_files(db_, shipped_menus(), "import", kNow);
      tx.commit();
    }
    for (const Role r : kAllRoles) tokens_[r] = test_support::make_token(db_, r, kNow);
  }

  http::HttpResponse call(http::Method method, const std::string& target, Role role,
                          std::string body = "", std::optional<std::string> if_match = {},
                          std::string content_type = "application/json") {
    test_support::Headers headers{{"Authorization", "Bearer " + tokens_[role]}};
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    if (if_match) headers.emplace_back("If-Match", *if_match);
    return test_support::handle(api_, db_, method, target, headers, body, kNow);
  }

  static std::string etag(const http::HttpResponse& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "ETag") return v;
    }
    return "";
  }

  static boost::json::value json(const http::HttpResponse& r) { return boost::json::parse(r.body); }

  std::string published_text(const std::string& lang, const std::string& id) {
    for (const auto& f : storage::load_menu_files(db_, storage::published_menu_version(db_))) {
      if (f.path != "texts/" + lang + ".toml") continue;
      for (const auto& e : *dialog::read_text_file(f.content, f.path)) {
        if (e.id == id) return e.text;
      }
    }
    return "";
  }

  static std::string text_body(const std::string& text) {
    return boost::json::serialize(boost::json::object{{"text", text}});
  }

  test::TempDir dir_{"content"};
  storage::Database db_;
  AdminApi api_;
  std::map<Role, std::string> tokens_;
  int content_changes_ = 0;
};

TEST_F(ContentRoutes, EditCheckPublishAndRollBackWithOptimisticConcurrency) {
  const std::string original = published_text("es", "need.hub");
  const std::int64_t first = storage::published_menu_version(db_);
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/content/draft", Role::kViewer).status, 404u);
  EXPECT_EQ(call(http::Method::kPost, "/admin/api/content/draft", Role::kViewer).status, 403u);
  const auto started = call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  ASSERT_EQ(started.status, 201u) << started.body;
  const std::string etag0 = etag(started);
  ASSERT_FALSE(etag0.empty());

  // Edits need the ETag they were based on.
  EXPECT_EQ(call(http::Method::kPut, kHub, Role::kEditor, text_body("Oficina")).status, 428u);
  EXPECT_EQ(call(http::Method::kPut, kHub, Role::kEditor, text_body("Oficina"), "\"v0-x\"").status,
            412u);
  const auto edited = call(http::Method::kPut, kHub, Role::kEditor, text_body("Oficina"), etag0);
  ASSERT_EQ(edited.status, 200u) << edited.body;
  const std::string etag1 = etag(edited);
  EXPECT_NE(etag1, etag0);
  // A second editor still holding the first ETag is told, not overwritten.
  const auto stale = call(http::Method::kPut, kHub, Role::kEditor, text_body("Otra"), etag0);
  EXPECT_EQ(stale.status, 412u);
  EXPECT_EQ(etag(stale), etag1);

  // The draft reads back; the published text is untouched until publish.
  const auto texts =
      call(http::Method::kGet, "/admin/api/content/texts/es?version=draft", Role::kViewer);
  ASSERT_EQ(texts.status, 200u);
  EXPECT_NE(texts.body.find("\"Oficina\""), std::string::npos);
  EXPECT_EQ(published_text("es", "need.hub"), original);

  // An overlong option label does not fit the 182-character screen: the check names it and
  // publish refuses with the same errors.
  const std::string overlong(170, 'x');
  const auto long_edit = call(http::Method::kPut, kHub, Role::kEditor, text_body(overlong), etag1);
  ASSERT_EQ(long_edit.status, 200u);
  const std::string etag2 = etag(long_edit);
  const auto check = call(http::Method::kGet, "/admin/api/content/draft/check", Role::kViewer);
  ASSERT_EQ(check.status, 200u);
  EXPECT_FALSE(json(check).at("ok").as_bool());
  const auto check_json = json(check);
  const auto& errors = check_json.at("errors").as_array();
  ASSERT_FALSE(errors.empty());
  bool names_it = false;
  for (const auto& e : errors) {
    const auto& o = e.as_object();
    // Language, node, the line's length ("1 " and the 170 characters) and the limit.
    names_it |= o.at("language").as_string() == "es" && o.at("node").as_string() == "need" &&
                std::string(o.at("message").as_string()).find("a line of 172 GSM-7 units") !=
                    std::string::npos &&
                std::string(o.at("message").as_string()).find("limit of 182") != std::string::npos;
  }
  EXPECT_TRUE(names_it) << check.body;
  EXPECT_EQ(
      call(http::Method::kPost, "/admin/api/content/publish", Role::kEditor, "", etag2).status,
      403u);
  const auto refused =
      call(http::Method::kPost, "/admin/api/content/publish", Role::kPublisher, "", etag2);
  EXPECT_EQ(refused.status, 422u);
  EXPECT_EQ(storage::published_menu_version(db_), first);
  EXPECT_EQ(content_changes_, 0);

  // Fixed, it publishes live; the draft is gone; the diff shows exactly the one change.
  const auto fixed =
      call(http::Method::kPut, kHub, Role::kEditor, text_body("Oficina cercana"), etag2);
  ASSERT_EQ(fixed.status, 200u);
  const auto published =
      call(http::Method::kPost, "/admin/api/content/publish", Role::kPublisher, "", etag(fixed));
  ASSERT_EQ(published.status, 200u) << published.body;
  const std::int64_t second = json(published).at("published").as_int64();
  EXPECT_GT(second, first);
  EXPECT_EQ(storage::published_menu_version(db_), second);
  EXPECT_EQ(published_text("es", "need.hub"), "Oficina cercana");
  EXPECT_EQ(content_changes_, 1);
  EXPECT_EQ(storage::draft_menu_version(db_), 0);
  const auto diff = call(http::Method::kGet,
                         "/admin/api/content/diff?from=" + std::to_string(first) + "&to=published",
                         Role::kViewer);
  ASSERT_EQ(diff.status, 200u) << diff.body;
  const auto diff_json = json(diff);
  const auto& changes = diff_json.at("texts").as_array();
  ASSERT_EQ(changes.size(), 1u) << diff.body;
  EXPECT_EQ(changes[0].at("id").as_string(), "need.hub");
  EXPECT_EQ(changes[0].at("before").as_string(), original);
  EXPECT_EQ(changes[0].at("after").as_string(), "Oficina cercana");

  // Roll back to the first version: published again as a new version with its exact files.
  const auto rolled = call(http::Method::kPost, "/admin/api/content/rollback", Role::kPublisher,
                           R"({"version":)" + std::to_string(first) + "}");
  ASSERT_EQ(rolled.status, 200u) << rolled.body;
  EXPECT_EQ(published_text("es", "need.hub"), original);
  EXPECT_EQ(storage::load_menu_files(db_, storage::published_menu_version(db_)),
            storage::load_menu_files(db_, first));
  EXPECT_EQ(content_changes_, 2);

  std::vector<std::string> actions;
  for (const auto& row : storage::list_audit(db_, 0, 100)) actions.push_back(row.entry.action);
  const std::vector<std::string> expected_tail = {"content.draft",   "content.text",
                                                  "content.text",    "content.text",
                                                  "content.publish", "content.rollback"};
  ASSERT_GE(actions.size(), expected_tail.size());
  EXPECT_EQ(std::vector<std::string>(
                actions.end() - static_cast<std::ptrdiff_t>(expected_tail.size()), actions.end()),
            expected_tail);
  EXPECT_TRUE(storage::verify_audit_chain(db_).ok());
}

TEST_F(ContentRoutes, BadEditsAreRefusedNamingTheFieldAndChangeNothing) {
  const auto started = call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  const std::string tag = etag(started);
  struct Case {
    std::string target;
    std::string body;
    unsigned status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {kHub, text_body("evil\u202Etxt"), 400, "text"},
      {kHub, text_body(""), 400, "text"},
      {kHub, text_body(std::string(2001, 'a')), 400, "text"},
      {kHub, R"({"text":"a","lang":"es"})", 400, "lang"},
      {kHub, R"({"text":5})", 400, "text"},
      {"/admin/api/content/draft/texts/es/need.nothing", text_body("x"), 404, "id"},
      {"/admin/api/content/draft/texts/xx/need.hub", text_body("x"), 404, "language"},
      {"/admin/api/content/draft/files/" + carriers::form_encode("../etc/passwd"),
       R"({"content":"x"})", 400, "path"},
      {"/admin/api/content/draft/files/" + carriers::form_encode("texts/ES.toml"),
       R"({"content":"x"})", 400, "path"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target + " " + c.body.substr(0, 40));
    const auto reply = call(http::Method::kPut, c.target, Role::kEditor, c.body, tag);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_EQ(json(reply).at("field").as_string(), c.field) << reply.body;
  }
  EXPECT_EQ(etag(call(http::Method::kGet, "/admin/api/content/draft", Role::kViewer)), tag);
}

TEST_F(ContentRoutes, AWholeFileEditReachesTheNodesAndABrokenOneIsCaughtByTheCheck) {
  const auto nodes =
      call(http::Method::kGet, "/admin/api/content/files/" + carriers::form_encode("menu.toml"),
           Role::kViewer);
  ASSERT_EQ(nodes.status, 200u) << nodes.body;
  EXPECT_EQ(json(nodes).at("content").as_string(), shipped_menus()[0].content);
  EXPECT_EQ(call(http::Method::kGet, "/admin/api/content/files/" + carriers::form_encode("../x"),
                 Role::kViewer)
                .status,
            400u);
  const auto started = call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  const auto broken = call(
      http::Method::kPut, "/admin/api/content/draft/files/" + carriers::form_encode("menu.toml"),
      Role::kEditor, R"({"content":"[languages]\norder = []\n"})", etag(started));
  ASSERT_EQ(broken.status, 200u) << broken.body;
  const auto check = call(http::Method::kGet, "/admin/api/content/draft/check", Role::kViewer);
  EXPECT_FALSE(json(check).at("ok").as_bool());
  const auto refused =
      call(http::Method::kPost, "/admin/api/content/publish", Role::kPublisher, "", etag(broken));
  EXPECT_EQ(refused.status, 422u);
  // Discarding needs the current ETag too, then the draft is gone.
  EXPECT_EQ(
      call(http::Method::kDelete, "/admin/api/content/draft", Role::kEditor, "", etag(started))
          .status,
      412u);
  EXPECT_EQ(call(http::Method::kDelete, "/admin/api/content/draft", Role::kEditor, "", etag(broken))
                .status,
            200u);
  EXPECT_EQ(storage::draft_menu_version(db_), 0);
}

// The console's live counter: length, encoding and segments of the text as typed, and whether the
// draft would still pass the checks with it.
TEST_F(ContentRoutes, ThePreviewCountsTheTextAndSaysWhetherItStillFits) {
  call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  auto preview = [this](const std::string& text) {
    const auto reply = call(http::Method::kPost, "/admin/api/content/draft/preview", Role::kViewer,
                            boost::json::serialize(boost::json::object{
                                {"language", "es"}, {"id", "need.hub"}, {"text", text}}));
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return json(reply);
  };
  const auto short_text = preview("Oficina más cercana");
  EXPECT_TRUE(short_text.at("fits").as_bool());
  EXPECT_EQ(short_text.at("chars").as_int64(), 19);
  EXPECT_EQ(short_text.at("encoding").as_string(), "UCS-2");  // "á" is not GSM-7 as written
  EXPECT_EQ(short_text.at("sms_segments").as_int64(), 1);
  const auto plain = preview("Oficina cercana");
  EXPECT_EQ(plain.at("encoding").as_string(), "GSM-7");
  EXPECT_EQ(plain.at("units").as_int64(), 15);
  const auto overlong = preview(std::string(170, 'x'));
  EXPECT_FALSE(overlong.at("fits").as_bool());
  EXPECT_EQ(overlong.at("sms_segments").as_int64(), 2);
  ASSERT_FALSE(overlong.at("errors").as_array().empty());
  EXPECT_EQ(overlong.at("errors").as_array()[0].at("node").as_string(), "need");
  // Nothing was stored by previewing.
  EXPECT_NE(call(http::Method::kGet, "/admin/api/content/texts/es?version=draft", Role::kViewer)
                .body.find("Ventanilla más cercana"),
            std::string::npos);
}

// The phone simulator runs the draft by default: staff see the edited screen before publishing,
// while the published version still shows the old one.
TEST_F(ContentRoutes, TheSimulatorShowsTheDraftsScreensBeforeTheyArePublished) {
  const auto started = call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  ASSERT_EQ(
      call(http::Method::kPut, kHub, Role::kEditor, text_body("Oficina cercana"), etag(started))
          .status,
      200u);
  const std::string inputs = R"("language":"es","country":"GT","inputs":["1"])";
  const auto draft =
      call(http::Method::kPost, "/admin/api/content/simulate", Role::kViewer, "{" + inputs + "}");
  ASSERT_EQ(draft.status, 200u) << draft.body;
  const auto draft_json = json(draft);
  const auto& screens = draft_json.at("screens").as_array();
  ASSERT_EQ(screens.size(), 2u);
  EXPECT_EQ(screens[0].at("input").as_string(), "");
  EXPECT_NE(std::string(screens[0].at("text").as_string()).find("1 Guatemala"), std::string::npos);
  const std::string second(screens[1].at("text").as_string());
  EXPECT_NE(second.find("1 Oficina cercana"), std::string::npos) << second;
  EXPECT_EQ(screens[1].at("encoding").as_string(), "GSM-7");
  EXPECT_EQ(screens[1].at("limit").as_int64(), 182);
  EXPECT_LE(screens[1].at("units").as_int64(), 182);
  EXPECT_FALSE(screens[1].at("end").as_bool());

  const auto live = call(http::Method::kPost, "/admin/api/content/simulate", Role::kViewer,
                         R"({"version":"published",)" + inputs + "}");
  ASSERT_EQ(live.status, 200u) << live.body;
  EXPECT_NE(std::string(json(live).at("screens").as_array()[1].at("text").as_string())
                .find("1 Ventanilla mas cercana"),
            std::string::npos);

  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"({"inputs":"1"})", "inputs"},
      {R"({"inputs":["1","\u0007"]})", "inputs[1]"},
      {R"({"inputs":[1]})", "inputs[0]"},
      {R"({"inputs":[],"language":"xx"})", "language"},
      {R"({"inputs":[],"country":"ZZ"})", "country"},
      {R"({"inputs":[],"route":"nope"})", "route"},
      {R"({"inputs":[],"version":"999"})", "version"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const auto reply =
        call(http::Method::kPost, "/admin/api/content/simulate", Role::kViewer, c.body);
    EXPECT_GE(reply.status, 400u);
    EXPECT_LT(reply.status, 500u);
    EXPECT_EQ(json(reply).at("field").as_string(), c.field) << reply.body;
  }
  std::string many = R"({"inputs":[)";
  for (int i = 0; i < 51; ++i) many += std::string(i ? "," : "") + "\"1\"";
  many += "]}";
  const auto too_many =
      call(http::Method::kPost, "/admin/api/content/simulate", Role::kViewer, many);
  EXPECT_EQ(too_many.status, 400u);
  EXPECT_NE(too_many.body.find("51 items, over the limit of 50"), std::string::npos);
}

// A PO round trip as a translator makes it: export French, translate one entry, comment it, leave
// one fuzzy, import into the draft; then the Spanish source changes and the next export flags the
// entry, and the old file's entry is refused.
TEST_F(ContentRoutes, PoFilesRoundTripKeepCommentsAndFlagChangedSources) {
  const auto exported = call(http::Method::kGet, "/admin/api/translations/fr", Role::kViewer);
  ASSERT_EQ(exported.status, 200u) << exported.body;
  EXPECT_TRUE(exported.content_type.starts_with("text/x-gettext-translation"));
  auto po = parse_po(exported.body, "fr.po");
  ASSERT_TRUE(po) << po.error().message();
  EXPECT_NE(po->header.find("Language: fr"), std::string::npos);
  ASSERT_GT(po->entries.size(), 50u);
  PoEntry* hub = nullptr;
  PoEntry* back = nullptr;
  for (auto& e : po->entries) {
    if (e.context == "need.hub") hub = &e;
    if (e.context == "nav.back") back = &e;
  }
  ASSERT_TRUE(hub && back);
  EXPECT_EQ(hub->msgid, published_text("es", "need.hub"));
  EXPECT_EQ(hub->msgstr, published_text("fr", "need.hub"));
  EXPECT_FALSE(hub->fuzzy());

  hub->msgstr = "Guichet le plus proche";
  hub->translator_comments = {"checked by Marie"};
  back->msgstr = "Revenir";
  back->flags = {"fuzzy"};
  const std::string translated = write_po(*po);

  const auto started = call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  const std::string target = "/admin/api/content/draft/translations/fr";
  const std::string po_type = "text/x-gettext-translation; charset=utf-8";
  EXPECT_EQ(
      call(http::Method::kPut, target, Role::kEditor, translated, etag(started), "application/json")
          .status,
      415u);
  const auto imported =
      call(http::Method::kPut, target, Role::kEditor, translated, etag(started), po_type);
  ASSERT_EQ(imported.status, 200u) << imported.body;
  const auto report = json(imported);
  EXPECT_EQ(report.at("applied").as_int64(), 1);
  EXPECT_EQ(report.at("unchanged").as_int64(), static_cast<std::int64_t>(po->entries.size()) - 2);
  ASSERT_EQ(report.at("skipped").as_array().size(), 1u);
  EXPECT_EQ(report.at("skipped").as_array()[0].at("id").as_string(), "nav.back");

  const auto draft_po =
      call(http::Method::kGet, "/admin/api/translations/fr?version=draft", Role::kViewer);
  EXPECT_NE(draft_po.body.find("# checked by Marie\n#: texts/es.toml"), std::string::npos);
  EXPECT_NE(draft_po.body.find("msgstr \"Guichet le plus proche\""), std::string::npos);
  EXPECT_EQ(draft_po.body.find("Revenir"), std::string::npos);  // the fuzzy one was not applied

  // The Spanish source changes: the next export marks the French entry for review.
  const auto es = call(http::Method::kPut, kHub, Role::kEditor, text_body("Oficina más cercana"),
                       report.at("etag").as_string().c_str());
  ASSERT_EQ(es.status, 200u) << es.body;
  const auto flagged = parse_po(
      call(http::Method::kGet, "/admin/api/translations/fr?version=draft", Role::kViewer).body,
      "fr.po");
  ASSERT_TRUE(flagged);
  for (const auto& e : flagged->entries) {
    if (e.context != "need.hub") continue;
    EXPECT_TRUE(e.fuzzy());
    EXPECT_EQ(e.previous_msgid, hub->msgid);
    EXPECT_EQ(e.msgid, "Oficina más cercana");
    EXPECT_EQ(e.translator_comments, std::vector<std::string>{"checked by Marie"});
  }
  // The old file, imported again, cannot overwrite a translation whose source moved on.
  const auto stale = call(http::Method::kPut, target, Role::kEditor, translated, etag(es), po_type);
  ASSERT_EQ(stale.status, 200u) << stale.body;
  bool refused = false;
  const auto stale_json = json(stale);
  for (const auto& s : stale_json.at("skipped").as_array()) {
    refused |= s.at("id").as_string() == "need.hub" &&
               std::string(s.at("reason").as_string()).find("source changed") != std::string::npos;
  }
  EXPECT_TRUE(refused) << stale.body;
}

TEST_F(ContentRoutes, BadPoFilesAreRefusedWholeNamingTheProblem) {
  const auto started = call(http::Method::kPost, "/admin/api/content/draft", Role::kEditor);
  const std::string tag = etag(started);
  const std::string target = "/admin/api/content/draft/translations/fr";
  const std::string type = "text/x-gettext-translation";
  const std::string hub_id = published_text("es", "need.hub");
  struct Case {
    std::string name;
    std::string body;
    std::string field;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"syntax", "msgid \"a\"\n", "fr.po:1", "msgid without msgstr"},
      {"unknown id", "msgctxt \"need.nope\"\nmsgid \"x\"\nmsgstr \"y\"\n", "body",
       "no such message id"},
      {"no context", "msgid \"x\"\nmsgstr \"y\"\n", "body", "no msgctxt"},
      {"bidi", "msgctxt \"need.hub\"\nmsgid \"" + hub_id + "\"\nmsgstr \"a\u202Eb\"\n", "body",
       "bidirectional"},
      {"other language", "msgid \"\"\nmsgstr \"Language: pt\\n\"\n", "Language", "'pt'"},
      {"not utf-8", "msgctxt \"need.hub\"\nmsgid \"x\"\nmsgstr \"\xff\"\n", "body", "UTF-8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto reply = call(http::Method::kPut, target, Role::kEditor, c.body, tag, type);
    EXPECT_EQ(reply.status, 400u) << reply.body;
    EXPECT_EQ(json(reply).at("field").as_string(), c.field) << reply.body;
    EXPECT_NE(reply.body.find(c.says), std::string::npos) << reply.body;
  }
  EXPECT_EQ(etag(call(http::Method::kGet, "/admin/api/content/draft", Role::kViewer)), tag);
}

TEST_F(ContentRoutes, RollbackReachesOnlyTheLastTenPublishedVersions) {
  const std::int64_t first = storage::published_menu_version(db_);
  for (int i = 0; i < 11; ++i) {
    auto files = shipped_menus();
    for (auto& f : files) {
      if (f.path == "texts/es.toml")
        f.content = *dialog::replace_text(f.content, f.path, "need.hub", "v" + std::to_string(i));
    }
    storage::Transaction tx(db_);
    storage::publish_menu_files(db_, files, "import", kNow + i);
    tx.commit();
  }
  const auto too_old = call(http::Method::kPost, "/admin/api/content/rollback", Role::kPublisher,
                            R"({"version":)" + std::to_string(first) + "}");
  EXPECT_EQ(too_old.status, 404u);
  EXPECT_EQ(json(too_old).at("field").as_string(), "version");
  const auto recent = call(http::Method::kPost, "/admin/api/content/rollback", Role::kPublisher,
                           R"({"version":)" + std::to_string(first + 2) + "}");
  EXPECT_EQ(recent.status, 200u) << recent.body;
  EXPECT_EQ(published_text("es", "need.hub"), "v1");
}

}  // namespace
}  // namespace ventanilla::admin
