#include "privacy/subscriber_id.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unordered_set>

#include "privacy/pseudonymizer.hpp"

namespace ventanilla::privacy {
namespace {

static_assert(fmt::is_formattable<SubscriberId>::value);

Pseudonymizer test_pseudonymizer() {
  return Pseudonymizer::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
      .value();
}

SubscriberId id_of(const Pseudonymizer& p, std::string_view raw) {
  return p.pseudonymize(PhoneNumber::parse(raw).value());
}

TEST(SubscriberId, FormatterPrintsOnlyTheShortLogTag) {
  const auto p = test_pseudonymizer();
  const auto id = id_of(p, "+50255550000");
  const std::string text = fmt::format("{}", id);
  EXPECT_EQ(text, "s:ab5db3d8");  // see the known-answer test in pseudonymizer_test.cpp
  EXPECT_EQ(text, "s:" + std::string(id.log_tag()));
  EXPECT_EQ(text.find(id.value().substr(0, 8)), std::string::npos);
  EXPECT_EQ(text.find("5555"), std::string::npos);
}

TEST(SubscriberId, FormatterHonoursWidthAndAlignment) {
  const auto id = id_of(test_pseudonymizer(), "+50255550000");
  EXPECT_EQ(fmt::format("[{:>12}]", id), "[  s:ab5db3d8]");
  EXPECT_EQ(fmt::format("[{:<12}]", id), "[s:ab5db3d8  ]");
}

TEST(SubscriberId, ComparesAndHashesByValue) {
  const auto p = test_pseudonymizer();
  const auto a = id_of(p, "+50255550000");
  const auto a2 = id_of(p, "0050255550000");
  const auto b = id_of(p, "+5215512345678");
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, b);
  EXPECT_EQ(a < b, a.value() < b.value());
  EXPECT_EQ(a <=> a2, std::strong_ordering::equal);
  EXPECT_EQ(std::hash<SubscriberId>{}(a), std::hash<SubscriberId>{}(a2));

  std::unordered_set<SubscriberId> set{a, a2, b};
  EXPECT_EQ(set.size(), 2u);
  std::map<SubscriberId, int> ordered{{a, 1}, {b, 2}};
  EXPECT_EQ(ordered.at(a2), 1);
}

}  // namespace
}  // namespace ventanilla::privacy
