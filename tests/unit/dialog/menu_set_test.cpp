#include "dialog/menu_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "support/shipped_data.hpp"
#include "unit/dialog/test_menus.hpp"

namespace ventanilla::dialog {
namespace {

// 1-based line of the first occurrence of `needle` in `text`; 0 when absent (a broken table row).
std::uint32_t line_of(std::string_view text, std::string_view needle) {
  const auto at = text.find(needle);
  if (at == std::string_view::npos) return 0;
  return static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + at, '\n') + 1);
}

MenuFile* find_file(std::vector<MenuFile>& files, std::string_view path) {
  for (auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

// ---- The test menu builds -----------------------------------------------------------------------

TEST(MenuSetBuild, TestMenuBuildsWithoutErrorsOrWarnings) {
  MenuBuild built = MenuSet::build(test_menus::files());
  for (const auto& e : built.errors) ADD_FAILURE() << e.to_string();
  for (const auto& w : built.warnings) ADD_FAILURE() << "warning: " << w.to_string();
  ASSERT_NE(built.menus, nullptr);
  const MenuSet& m = *built.menus;

  EXPECT_EQ(m.nodes().size(), 13u);
  EXPECT_EQ(m.node(m.start()).id, "language");
  EXPECT_EQ(m.node(m.home()).id, "need");
  EXPECT_EQ(m.languages(), (std::vector<std::string>{"es", "en"}));
  EXPECT_EQ(m.language_index("en"), 1);
  EXPECT_EQ(m.language_index("fr"), -1);
  EXPECT_EQ(m.navigation().back, "0");
  EXPECT_EQ(m.navigation().home, "00");
  EXPECT_EQ(m.navigation().next, "98");
  EXPECT_EQ(m.navigation().previous, "99");

  const NodeIndex need = m.find_node("need");
  ASSERT_NE(need, kNoNode);
  EXPECT_EQ(m.node(need).kind, NodeKind::kChoice);
  ASSERT_EQ(m.node(need).options.size(), 3u);
  EXPECT_EQ(m.node(need).options[0].service, "info");
  EXPECT_EQ(m.node(m.node(need).options[0].target).id, "where");
  EXPECT_EQ(m.text(0, m.node(need).options[0].label), "Oficina de información");
  EXPECT_EQ(m.text(1, m.node(need).options[0].label), "Information office");
  EXPECT_EQ(m.find_node("nowhere"), kNoNode);

  const Node& hub = m.node(m.find_node("hub"));
  EXPECT_EQ(hub.kind, NodeKind::kHub);
  ASSERT_EQ(hub.options.size(), 1u);
  EXPECT_EQ(hub.options[0].action, Action::kSendHubSms);
  const Node& opted_out = m.node(m.find_node("opted_out"));
  EXPECT_EQ(opted_out.kind, NodeKind::kEnd);
  EXPECT_EQ(opted_out.action, Action::kOptOut);
  EXPECT_EQ(m.node(m.find_node("town")).kind, NodeKind::kInput);
  EXPECT_EQ(m.node(m.node(m.find_node("town")).next).id, "town_matches");

  EXPECT_EQ(m.text(1, messages::kHintInvalid), "Invalid option");
  EXPECT_EQ(m.text(0, "no.such.id"), "");
  EXPECT_EQ(m.files().size(), 3u);
}

TEST(MenuSetBuild, FilesOtherThanMenusAreIgnoredAndUnlistedLanguagesWarn) {
  auto files = test_menus::files();
  files.push_back({"README.md", "# not toml ["});
  files.push_back({"texts/fr.toml", std::string(test_menus::kEnglish)});
  MenuBuild built = MenuSet::build(files);
  for (const auto& e : built.errors) ADD_FAILURE() << e.to_string();
  ASSERT_NE(built.menus, nullptr);
  EXPECT_EQ(built.menus->languages().size(), 2u);
  const bool warned = std::any_of(built.warnings.begin(), built.warnings.end(), [](const auto& w) {
    return w.file == "texts/fr.toml" && w.message.find("not listed") != std::string::npos;
  });
  EXPECT_TRUE(warned);
}

TEST(MenuSetBuild, TextUsedByNoNodeIsAWarningAtItsLine) {
  auto files = test_menus::files();
  find_file(files, "texts/es.toml")->content += "\n[spare]\nunused = \"sobra\"\n";
  find_file(files, "texts/en.toml")->content += "\n[spare]\nunused = \"spare\"\n";
  MenuBuild built = MenuSet::build(files);
  for (const auto& e : built.errors) ADD_FAILURE() << e.to_string();
  ASSERT_NE(built.menus, nullptr);
  ASSERT_EQ(built.warnings.size(), 1u);
  EXPECT_EQ(built.warnings[0].file, "texts/es.toml");
  EXPECT_EQ(built.warnings[0].line,
            line_of(find_file(files, "texts/es.toml")->content, "unused = "));
  EXPECT_NE(built.warnings[0].message.find("spare.unused"), std::string::npos);
}

// ---- Every diagnostic, with its file and line ---------------------------------------------------

struct Edit {
  std::string_view file;
  std::string_view from;
  std::string_view to;
};

struct DiagnosticCase {
  std::string_view name;
  std::vector<Edit> edits;
  std::string_view file;      // expected Diagnostic::file
  std::string_view at;        // text in that (edited) file on the expected line; "" for line 0
  int line_offset = 0;        // expected line relative to `at`
  std::string_view message;   // part of the expected message
  std::string_view language;  // expected Diagnostic::language
  std::string_view node;      // expected Diagnostic::node
};

void PrintTo(const DiagnosticCase& c, std::ostream* os) { *os << c.name; }

class MenuDiagnostics : public ::testing::TestWithParam<DiagnosticCase> {};

TEST_P(MenuDiagnostics, ReportedWithFileAndLine) {
  const DiagnosticCase& c = GetParam();
  auto files = test_menus::files();
  for (const Edit& e : c.edits) {
    MenuFile* f = find_file(files, e.file);
    ASSERT_NE(f, nullptr) << e.file;
    const auto at = f->content.find(e.from);
    ASSERT_NE(at, std::string::npos) << "edit does not apply: " << e.from;
    f->content.replace(at, e.from.size(), e.to);
  }
  std::uint32_t line = 0;
  if (!c.at.empty()) {
    const MenuFile* f = find_file(files, c.file);
    ASSERT_NE(f, nullptr);
    line = line_of(f->content, c.at);
    ASSERT_NE(line, 0u) << "not in the edited file: " << c.at;
    line = static_cast<std::uint32_t>(static_cast<int>(line) + c.line_offset);
  }

  const MenuBuild built = MenuSet::build(files);
  EXPECT_EQ(built.menus, nullptr) << "a menu with errors must not be served";
  const auto match = std::find_if(built.errors.begin(), built.errors.end(), [&](const auto& d) {
    return d.message.find(c.message) != std::string::npos;
  });
  std::string all;
  for (const auto& e : built.errors) all += "\n  " + e.to_string();
  ASSERT_NE(match, built.errors.end()) << "no error containing `" << c.message << "`:" << all;
  EXPECT_EQ(match->file, c.file) << match->to_string();
  EXPECT_EQ(match->line, line) << match->to_string();
  EXPECT_EQ(match->language, c.language) << match->to_string();
  EXPECT_EQ(match->node, c.node) << match->to_string();
  // The printed form leads with FILE:LINE, which is what `ventanilla check` shows.
  const std::string where = line == 0 ? std::string(c.file) + ": "
                                      : std::string(c.file) + ":" + std::to_string(line) + ": ";
  EXPECT_TRUE(match->to_string().starts_with(where)) << match->to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Table, MenuDiagnostics,
    ::testing::Values(
        DiagnosticCase{"invalid_toml_in_structure",
                       {{"menu.toml", "home = \"need\"", "home = \"need"}},
                       "menu.toml",
                       "home = \"need",
                       0,
                       "not valid TOML",
                       "",
                       ""},
        DiagnosticCase{"invalid_toml_in_texts",
                       {{"texts/en.toml", "[nav]", "[nav"}},
                       "texts/en.toml",
                       "[nav",
                       0,
                       "not valid TOML",
                       "",
                       ""},
        DiagnosticCase{"unknown_kind",
                       {{"menu.toml", "kind = \"info\"", "kind = \"infos\""}},
                       "menu.toml",
                       "kind = \"infos\"",
                       0,
                       "unknown kind `infos`",
                       "",
                       "risks"},
        DiagnosticCase{"unknown_key_typo",
                       {{"menu.toml", "text = \"risks.text\"", "txet = \"risks.text\""}},
                       "menu.toml",
                       "txet = ",
                       0,
                       "unknown key `txet`",
                       "",
                       "risks"},
        DiagnosticCase{
            "unknown_key_in_option",
            {{"menu.toml", "goto = \"settings\" }", "goto = \"settings\", srvice = \"x\" }"}},
            "menu.toml",
            "srvice",
            0,
            "unknown key `srvice`",
            "",
            "need"},
        DiagnosticCase{"goto_missing_node",
                       {{"menu.toml", "goto = \"risks\"", "goto = \"risk\""}},
                       "menu.toml",
                       "goto = \"risk\"",
                       0,
                       "leads to `risk`, which is not a node",
                       "",
                       "need"},
        DiagnosticCase{"next_missing_node",
                       {{"menu.toml", "next = \"hubs\"\n\n[[node]]\nid = \"town\"",
                         "next = \"hubz\"\n\n[[node]]\nid = \"town\""}},
                       "menu.toml",
                       "next = \"hubz\"",
                       0,
                       "leads to `hubz`",
                       "",
                       "admin1"},
        DiagnosticCase{"unreachable_node",
                       {{"menu.toml", "goto = \"opted_out\"", "goto = \"settings\""}},
                       "menu.toml",
                       "id = \"opted_out\"",
                       -1,  // the node's [[node]] header
                       "unreachable",
                       "",
                       "opted_out"},
        DiagnosticCase{"missing_translation_in_one_language",
                       {{"texts/en.toml", "risks = \"Travel risks\"\n", ""}},
                       "texts/en.toml",
                       "",
                       0,
                       "missing translation of `need.risks`",
                       "en",
                       ""},
        DiagnosticCase{"text_referenced_but_in_no_file",
                       {{"menu.toml", "title = \"where.title\"", "title = \"where.titel\""}},
                       "menu.toml",
                       "title = \"where.titel\"",
                       0,
                       "text `where.titel` is in no language file",
                       "",
                       "where"},
        DiagnosticCase{
            "option_label_in_no_file",
            {{"menu.toml", "label = \"settings.opt_out\"", "label = \"settings.optout\""}},
            "menu.toml",
            "settings.optout",
            0,
            "text `settings.optout` is in no language file",
            "",
            "settings"},
        DiagnosticCase{"engine_message_missing",
                       {{"texts/es.toml", "invalid = \"Opción no válida\"\n", ""},
                        {"texts/en.toml", "invalid = \"Invalid option\"\n", ""}},
                       "texts/es.toml",
                       "",
                       0,
                       "missing `hint.invalid`, a text the engine needs",
                       "",
                       ""},
        DiagnosticCase{"duplicate_id",
                       {{"menu.toml", "action = \"opt_out\"\n",
                         "action = \"opt_out\"\n\n[[node]] # again\nid = \"risks\"\nkind = "
                         "\"info\"\ntext = \"risks.text\"\n"}},
                       "menu.toml",
                       "[[node]] # again",
                       0,
                       "id used twice",
                       "",
                       "risks"},
        DiagnosticCase{"navigation_not_digits",
                       {{"menu.toml", "back = \"0\"", "back = \"x\""}},
                       "menu.toml",
                       "back = \"x\"",
                       0,
                       "[navigation] back: must be 1 to 4 digits",
                       "",
                       ""},
        DiagnosticCase{"navigation_not_a_string",
                       {{"menu.toml", "next = \"98\"", "next = 98"}},
                       "menu.toml",
                       "next = 98",
                       0,
                       "[navigation] next: must be 1 to 4 digits",
                       "",
                       ""},
        DiagnosticCase{"navigation_too_long",
                       {{"menu.toml", "previous = \"99\"", "previous = \"99999\""}},
                       "menu.toml",
                       "previous = \"99999\"",
                       0,
                       "[navigation] previous: must be 1 to 4 digits",
                       "",
                       ""},
        DiagnosticCase{"navigation_inputs_clash",
                       {{"menu.toml", "home = \"00\"", "home = \"0\""}},
                       "menu.toml",
                       "[navigation]",
                       0,
                       "[navigation] inputs must differ",
                       "",
                       ""},
        DiagnosticCase{
            "missing_language_file",
            {{"menu.toml", "order = [\"es\", \"en\"]", "order = [\"es\", \"en\", \"fr\"]"}},
            "texts/fr.toml",
            "",
            0,
            "missing: the texts of a language",
            "fr",
            ""},
        DiagnosticCase{
            "language_listed_twice",
            {{"menu.toml", "order = [\"es\", \"en\"]", "order = [\"es\", \"en\", \"es\"]"}},
            "menu.toml",
            "order = ",
            0,
            "language es listed twice",
            "",
            ""},
        DiagnosticCase{"unknown_action",
                       {{"menu.toml", "action = \"opt_out\"", "action = \"optout\""}},
                       "menu.toml",
                       "action = \"optout\"",
                       0,
                       "unknown action `optout`",
                       "",
                       "opted_out"},
        DiagnosticCase{"unknown_handler",
                       {{"menu.toml", "handler = \"place_search\"", "handler = \"geo\""}},
                       "menu.toml",
                       "handler = \"geo\"",
                       0,
                       "unknown handler `geo`",
                       "",
                       "town"},
        DiagnosticCase{"text_not_a_string",
                       {{"texts/en.toml", "footer = \"Ventanilla IOM\"", "footer = 3"}},
                       "texts/en.toml",
                       "footer = 3",
                       0,
                       "sms.footer: a text must be a string",
                       "en",
                       ""}),
    [](const ::testing::TestParamInfo<DiagnosticCase>& param) {
      return std::string(param.param.name);
    });

TEST(MenuDiagnostics, EveryProblemIsReportedAtOnce) {
  auto files = test_menus::files();
  MenuFile* menu = find_file(files, "menu.toml");
  menu->content.replace(menu->content.find("kind = \"info\""), 13, "kind = \"infos\"");
  menu->content.replace(menu->content.find("back = \"0\""), 10, "back = \"x\"");
  MenuFile* en = find_file(files, "texts/en.toml");
  en->content.replace(en->content.find("risks = \"Travel risks\"\n"), 23, "");
  const MenuBuild built = MenuSet::build(files);
  auto has = [&](std::string_view part) {
    return std::any_of(built.errors.begin(), built.errors.end(),
                       [&](const auto& d) { return d.message.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has("unknown kind"));
  EXPECT_TRUE(has("[navigation] back"));
  EXPECT_TRUE(has("missing translation of `need.risks`"));
}

TEST(MenuDiagnostics, MissingStructureFile) {
  const MenuBuild built = MenuSet::build({{"texts/es.toml", std::string(test_menus::kSpanish)}});
  EXPECT_EQ(built.menus, nullptr);
  ASSERT_FALSE(built.errors.empty());
  EXPECT_EQ(built.errors[0].file, "menu.toml");
}

// ---- The shipped menus --------------------------------------------------------------------------

TEST(ShippedMenus, BuildWithoutErrors) {
  const std::vector<MenuFile> files = test_menus::shipped_files();
  ASSERT_FALSE(files[0].content.empty()) << "menus/menu.toml is missing or empty";
  ASSERT_GT(files.size(), 1u) << "menus/texts/*.toml is missing: the shipped menus have no "
                                 "texts, so they cannot be served (write menus/texts/<lang>.toml "
                                 "for every language in menu.toml [languages] order)";

  const MenuBuild built = MenuSet::build(files);
  for (const auto& e : built.errors) ADD_FAILURE() << e.to_string();
  ASSERT_NE(built.menus, nullptr);
  for (const auto& w : built.warnings) std::cout << "warning: " << w.to_string() << "\n";
  const MenuSet& m = *built.menus;
  EXPECT_EQ(m.languages().front(), "es") << "Spanish is the default language";
  EXPECT_EQ(m.node(m.start()).kind, NodeKind::kLanguage);
  // Every language names itself differently on the language screen.
  std::vector<std::string> names;
  for (std::size_t l = 0; l < m.languages().size(); ++l)
    names.emplace_back(m.text(l, messages::kLanguageName));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace ventanilla::dialog
