#include "admin/json_fields.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace ventanilla::admin {
namespace {

TEST(TextProblem, ControlAndBidiCharactersAreNamedWithTheirPosition) {
  struct Case {
    std::string text;
    bool multiline;
    std::optional<std::string> problem;
  };
  const std::vector<Case> cases = {
      {"Tapachula, Chiapas", false, std::nullopt},
      {"Información — 24 h ✓", false, std::nullopt},
      {"line\nbreak", true, std::nullopt},
      {"line\nbreak", false, "contains a control character (U+000A) at character 5"},
      {"tab\there", false, "contains a control character (U+0009) at character 4"},
      {"del\x7F", false, "contains a control character (U+007F) at character 4"},
      {"c1\xC2\x85", false, "contains a control character (U+0085) at character 3"},
      {"\xE2\x80\xAEtxt.exe", false, "contains a bidirectional control (U+202E) at character 1"},
      {"á\xE2\x81\xA6x", false, "contains a bidirectional control (U+2066) at character 2"},
      {"rlm\xE2\x80\x8F", false, "contains a bidirectional control (U+200F) at character 4"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(text_problem(c.text, c.multiline), c.problem);
  }
}

TEST(JsonFields, LimitsCountCharactersNotBytes) {
  const auto object = boost::json::parse(R"({"name":"ñññ"})").as_object();
  JsonFields ok(object);
  EXPECT_EQ(ok.text("name", 3), "ñññ");
  EXPECT_FALSE(ok.finish());
  JsonFields over(object);
  EXPECT_FALSE(over.text("name", 2));
  ASSERT_TRUE(over.finish());
  EXPECT_EQ(over.finish()->where, "name");
  EXPECT_EQ(over.finish()->detail, "3 characters, over the limit of 2");
}

TEST(JsonFields, AnUnknownFieldWithAnUnprintableNameIsNotEchoed) {
  const auto object = boost::json::parse("{\"a\":\"x\",\"\\u202Eevil\":1}").as_object();
  JsonFields fields(object);
  fields.text("a", 10);
  ASSERT_TRUE(fields.finish());
  EXPECT_EQ(fields.finish()->where, "(a field name not shown)");
  EXPECT_EQ(fields.finish()->detail, "unknown field");
}

// Found by the admin_json fuzz target: {"":"aa","nme":"b"} was refused with an empty `where`.
TEST(JsonFields, AnUnknownFieldWithAnEmptyNameIsStillNamed) {
  const auto object = boost::json::parse(R"({"":"aa","name":"b"})").as_object();
  JsonFields fields(object);
  fields.text("name", 10);
  ASSERT_TRUE(fields.finish());
  EXPECT_EQ(fields.finish()->where, "(an empty field name)");
  EXPECT_EQ(fields.finish()->detail, "unknown field");
}

}  // namespace
}  // namespace ventanilla::admin
