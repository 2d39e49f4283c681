#include "admin/po_file.hpp"

#include <gtest/gtest.h>

namespace ventanilla::admin {
namespace {

const std::string kPo =
    "# Header comment\n"
    "msgid \"\"\n"
    "msgstr \"\"\n"
    "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
    "\"Language: fr\\n\"\n"
    "\n"
    "# checked by Marie\n"
    "#. extracted\n"
    "#: texts/es.toml:35\n"
    "#, fuzzy, c-format\n"
    "#| msgid \"Ventanilla más cercana\"\n"
    "msgctxt \"need.hub\"\n"
    "msgid \"Ventanilla \"\n"
    "\"más cercana\"\n"
    "msgstr \"Guichet \\\"le plus\\\" proche\\n2e ligne\"\n"
    "\n"
    "#~ msgid \"old\"\n"
    "#~ msgstr \"ancien\"\n"
    "msgctxt \"nav.back\"\n"
    "msgid \"Atrás\"\n"
    "msgstr \"Retour\"\n";

TEST(PoFile, ParsesCommentsFlagsContinuationsAndEscapes) {
  const auto po = parse_po(kPo, "fr.po");
  ASSERT_TRUE(po) << po.error().message();
  EXPECT_EQ(po->header, "Content-Type: text/plain; charset=UTF-8\nLanguage: fr\n");
  ASSERT_EQ(po->entries.size(), 2u);
  const auto& e = po->entries[0];
  EXPECT_EQ(e.translator_comments, std::vector<std::string>{"checked by Marie"});
  EXPECT_EQ(e.extracted_comments, std::vector<std::string>{"extracted"});
  EXPECT_EQ(e.references, std::vector<std::string>{"texts/es.toml:35"});
  EXPECT_EQ(e.flags, (std::vector<std::string>{"fuzzy", "c-format"}));
  EXPECT_TRUE(e.fuzzy());
  EXPECT_EQ(e.previous_msgid, "Ventanilla más cercana");
  EXPECT_EQ(e.context, "need.hub");
  EXPECT_EQ(e.msgid, "Ventanilla más cercana");
  EXPECT_EQ(e.msgstr, "Guichet \"le plus\" proche\n2e ligne");
  EXPECT_EQ(e.line, 13u);
  EXPECT_EQ(po->entries[1].context, "nav.back");
  EXPECT_FALSE(po->entries[1].fuzzy());
}

TEST(PoFile, WritingThenParsingGivesTheSameEntries) {
  const auto po = parse_po(kPo, "fr.po");
  ASSERT_TRUE(po);
  const auto again = parse_po(write_po(*po), "fr.po");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->header, po->header);
  ASSERT_EQ(again->entries.size(), po->entries.size());
  for (std::size_t i = 0; i < po->entries.size(); ++i) {
    const auto& a = po->entries[i];
    const auto& b = again->entries[i];
    EXPECT_EQ(a.translator_comments, b.translator_comments);
    EXPECT_EQ(a.flags, b.flags);
    EXPECT_EQ(a.previous_msgid, b.previous_msgid);
    EXPECT_EQ(a.context, b.context);
    EXPECT_EQ(a.msgid, b.msgid);
    EXPECT_EQ(a.msgstr, b.msgstr);
  }
}

TEST(PoFile, MalformedFilesNameTheLine) {
  struct Case {
    std::string text;
    std::string where;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {"msgid \"a\"\n", "x.po:1", "msgid without msgstr"},
      {"msgstr \"a\"\n", "x.po:1", "msgstr before msgid"},
      {"msgid \"a\nmsgstr \"b\"\n", "x.po:1", "msgid: expected a \"quoted string\""},
      {"msgid \"a\\q\"\nmsgstr \"\"\n", "x.po:1", "msgid: unsupported escape \\q"},
      {"msgid \"a\"\nmsgid_plural \"as\"\n", "x.po:2", "plural forms are not used by menu texts"},
      {"msgid \"a\"\nmsgstr[0] \"b\"\n", "x.po:2", "plural forms are not used by menu texts"},
      {"msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", "x.po:3", "msgstr twice in one entry"},
      {"\"orphan\"\n", "x.po:1", "a string continues no keyword"},
      {"msgfoo \"a\"\n", "x.po:1", "unknown keyword 'msgfoo'"},
      {"msgid \"\"\nmsgstr \"h\"\n\nmsgid \"\"\nmsgstr \"h2\"\n", "x.po:4",
       "a second header entry (empty msgid)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto po = parse_po(c.text, "x.po");
    ASSERT_FALSE(po);
    EXPECT_EQ(po.error().where, c.where);
    EXPECT_EQ(po.error().detail, c.detail);
  }
}

}  // namespace
}  // namespace ventanilla::admin
