#include "dialog/text_file.hpp"

#include <gtest/gtest.h>

#include "support/shipped_data.hpp"

namespace ventanilla::dialog {
namespace {

const std::string kFile =
    "# Español — comment kept\n"
    "[need]\n"
    "title = \"¿Qué necesita?\"   # trailing comment kept\n"
    "hub = 'Ventanilla más cercana'\n"
    "long = \"\"\"a\n"
    "b\"\"\"\n"
    "\n"
    "[nav]\n"
    "back = \"Atrás\"\n";

TEST(TextFile, ListsEveryTextInFileOrderWithItsLine) {
  const auto entries = read_text_file(kFile, "texts/es.toml");
  ASSERT_TRUE(entries) << entries.error().message();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].id, "need.title");
  EXPECT_EQ((*entries)[0].text, "¿Qué necesita?");
  EXPECT_EQ((*entries)[0].line, 3u);
  EXPECT_EQ((*entries)[2].id, "need.long");
  EXPECT_EQ((*entries)[2].text, "a\nb");
  EXPECT_EQ((*entries)[3].id, "nav.back");
}

TEST(TextFile, ReplacingOneTextChangesOnlyItsBytes) {
  struct Case {
    std::string id;
    std::string text;
    std::string expected_line;  // what the edited line(s) become
    std::string old_line;
  };
  const std::vector<Case> cases = {
      {"need.title", "¿Qué busca?", "title = \"¿Qué busca?\"   # trailing comment kept",
       "title = \"¿Qué necesita?\"   # trailing comment kept"},
      {"need.hub", "Say \"hi\" \\ bye", "hub = \"Say \\\"hi\\\" \\\\ bye\"",
       "hub = 'Ventanilla más cercana'"},
      {"need.long", "one\ntwo", "long = \"one\\ntwo\"", "long = \"\"\"a\nb\"\"\""},
      {"nav.back", "Volver", "back = \"Volver\"", "back = \"Atrás\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    const auto edited = replace_text(kFile, "texts/es.toml", c.id, c.text);
    ASSERT_TRUE(edited) << edited.error().message();
    std::string expected = kFile;
    expected.replace(expected.find(c.old_line), c.old_line.size(), c.expected_line);
    EXPECT_EQ(*edited, expected);
    const auto reread = read_text_file(*edited, "texts/es.toml");
    ASSERT_TRUE(reread);
    bool found = false;
    for (const auto& e : *reread) found |= e.id == c.id && e.text == c.text;
    EXPECT_TRUE(found);
  }
}

TEST(TextFile, UnknownIdsTablesAndBrokenFilesAreErrors) {
  EXPECT_EQ(replace_text(kFile, "f", "need.nothing", "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(replace_text(kFile, "f", "need", "x").error().code, ErrorCode::kNotFound);  // a table
  EXPECT_EQ(replace_text("[a]\nn = 1\n", "f", "a.n", "x").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(replace_text(kFile, "f", "need.title[0]", "x").error().code, ErrorCode::kNotFound);
  const auto broken = read_text_file("[need\ntitle = 1", "texts/xx.toml");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().where, "texts/xx.toml:1");
}

// Every text of every shipped language survives a rewrite to itself unchanged in meaning.
TEST(TextFile, EveryShippedTextCanBeRewrittenInPlace) {
  for (const char* lang : {"es", "en", "fr", "ht", "pt"}) {
    SCOPED_TRACE(lang);
    const std::string path = std::string("texts/") + lang + ".toml";
    const std::string content =
        test::read_file(std::string(VENTANILLA_SOURCE_DIR) + "/menus/" + path);
    const auto entries = read_text_file(content, path);
    ASSERT_TRUE(entries);
    ASSERT_GT(entries->size(), 50u);
    for (const auto& e : *entries) {
      const auto edited = replace_text(content, path, e.id, e.text + " ✓");
      ASSERT_TRUE(edited) << e.id;
      const auto reread = read_text_file(*edited, path);
      ASSERT_TRUE(reread) << e.id;
      ASSERT_EQ(reread->size(), entries->size());
      for (std::size_t i = 0; i < entries->size(); ++i) {
        EXPECT_EQ((*reread)[i].text, (*entries)[i].id == e.id ? e.text + " ✓" : (*entries)[i].text);
      }
    }
  }
}

}  // namespace
}  // namespace ventanilla::dialog
