#include "carriers/json_body.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ventanilla::carriers {
namespace {

TEST(DuplicateMember, NamesThePathToTheFirstRepeatedMember) {
  struct Case {
    std::string label;
    std::string body;
    std::optional<std::string> expected;
  };
  const std::string long_name(kMaxShownNameBytes + 1, 'n');
  const std::string longest_shown(kMaxShownNameBytes, 'n');
  const std::string hidden(kHiddenName);
  const std::vector<Case> cases = {
      {"distinct names", R"({"id":"a","from":"+50255550123","text":""})", std::nullopt},
      {"empty object", "{}", std::nullopt},
      {"not an object", R"([1,"a",null])", std::nullopt},
      {"top level, same value", R"({"id":"a","text":"","id":"a"})", "id"},
      {"top level, other value", R"({"id":"a","id":"b"})", "id"},
      {"top level, other type", R"({"id":"a","id":7})", "id"},
      {"the first repeat wins", R"({"a":1,"b":2,"b":3,"a":4})", "b"},
      {"same name in parent and child", R"({"a":{"a":1},"b":2})", std::nullopt},
      {"same name in sibling objects", R"({"x":{"a":1},"y":{"a":2}})", std::nullopt},
      {"same name in two array elements", R"({"results":[{"id":"a"},{"id":"a"}]})", std::nullopt},
      {"repeat in a nested object", R"({"status":{"name":"A","name":"B"}})", "status.name"},
      {"repeat after a nested object closed", R"({"a":{"b":1},"c":2,"a":3})", "a"},
      {"repeat in an array element",
       R"({"results":[{"id":"a"},{"id":"b","text":"","id":"b"}],"n":2})", "results[1].id"},
      {"array index counts leaves", R"({"r":[1,"s",null,true,2.5,[],{"k":1,"k":2}]})", "r[6].k"},
      {"deep path", R"({"a":[[{"b":{"c":1,"c":1}}]]})", "a[0][0].b.c"},
      {"top-level array", R"([{},{"id":1,"id":2}])", "[1].id"},
      {"escaped name equals the plain one", R"({"id":1,"\u0069d":2})", "id"},
      {"names differ only in case", R"({"id":1,"ID":2})", std::nullopt},
      {"empty name twice", R"({"":1,"":2})", hidden},
      {"name with a space", R"({"a b":1,"a b":2})", hidden},
      {"non-ASCII name", R"({"año":1,"año":2})", hidden},
      {"name just short enough", "{\"" + longest_shown + "\":1,\"" + longest_shown + "\":2}",
       longest_shown},
      {"name too long to show", "{\"" + long_name + "\":1,\"" + long_name + "\":2}", hidden},
      {"hidden name on the path", R"({"a b":{"c":1,"c":2}})", hidden + ".c"},
      {"invalid JSON after the repeat", R"({"id":1,"id":)", std::nullopt},
      {"trailing data after the repeat", R"({"id":1,"id":2}{})", std::nullopt},
      {"comment after the repeat", R"({"id":1,"id":2}/**/)", std::nullopt},
      {"whitespace after the repeat", "{\"id\":1,\"id\":2} \n", "id"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(duplicate_member(c.body), c.expected);
  }
}

TEST(ParseJsonObject, ReturnsTheObject) {
  auto object = parse_json_object(R"({"id":"a","n":{"id":"b"},"list":[{"id":"c"}]})", "test");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->at("id").as_string(), "a");
  EXPECT_EQ(object->at("n").at("id").as_string(), "b");
  EXPECT_EQ(object->size(), 3u);
}

TEST(ParseJsonObject, ErrorsNameTheProblemNeverAValue) {
  struct Case {
    std::string label;
    std::string body;
    std::string expected_error;
  };
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "1" + std::string(40, '}');
  const std::vector<Case> cases = {
      {"empty", "", "body: not valid JSON"},
      {"form body", "id=1&from=2", "body: not valid JSON"},
      {"trailing garbage", R"({"id":"a"}{})", "body: not valid JSON"},
      {"comment", R"(/* c */{"id":"a"})", "body: not valid JSON"},
      {"trailing comma", R"({"id":"a",})", "body: not valid JSON"},
      {"invalid UTF-8", "{\"id\":\"caf\xE9\"}", "body: not valid JSON"},
      {"deeper than 32", deep, "body: not valid JSON"},
      {"array", R"([{"id":"a","id":"a"}])", "body: not a JSON object"},
      {"string", R"("+50255550123")", "body: not a JSON object"},
      {"repeat", R"({"from":"+50255550123","from":"+50255550123"})", "from: given twice"},
      {"repeat, different numbers", R"({"from":"+50255550123","from":"+50255550124"})",
       "from: given twice"},
      {"nested repeat", R"({"results":[{"from":"+50255550123","from":"+50255550123"}]})",
       "results[0].from: given twice"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto object = parse_json_object(c.body, "test-where");
    ASSERT_FALSE(object.has_value());
    EXPECT_EQ(object.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(object.error().where, "test-where");
    EXPECT_EQ(object.error().detail, c.expected_error);
    EXPECT_EQ(object.error().message().find("5555"), std::string::npos);
  }
}

// The check runs on the same document boost::json::parse accepted: a body at the depth limit
// passes both.
TEST(ParseJsonObject, NestingUpToTheLimitIsAccepted) {
  std::string deep;
  for (int i = 0; i < 31; ++i) deep += "{\"a\":";
  deep += "1" + std::string(31, '}');
  auto object = parse_json_object(deep, "test");
  EXPECT_TRUE(object.has_value());
}

}  // namespace
}  // namespace ventanilla::carriers
