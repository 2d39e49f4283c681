#include "privacy/pseudonymizer.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "support/temp_dir.hpp"

namespace ventanilla::privacy {
namespace {

constexpr std::string_view kTestKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

PhoneNumber number(std::string_view raw) { return PhoneNumber::parse(raw).value(); }

Pseudonymizer test_pseudonymizer() { return Pseudonymizer::from_hex(kTestKey).value(); }

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

void write_file(const std::string& path, std::string_view content, mode_t mode) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

bool is_lower_hex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Known-answer test. Expected values computed independently with OpenSSL's command line:
//   K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//   printf '%s' '+50255550000' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
//     -> ec152179ceb16e60d55ff2189c23f8abe925bbe739ec2415230aea0b1180666e       (value)
//   printf '%s' 'ventanilla/log-tag/v1' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
//     -> d4e5cf13d8958ea7f487708a4494da49592ca6be1bdf04eaf341dceff77cd2ba       (k_log)
//   printf '%s' ec15...666e | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt hexkey:d4e5...d2ba
//     -> ab5db3d8bd31a01a769d9d3219721395c0f8fdfe1791fd7620aa657add9b404a       (tag = first 8)
//   printf '%s' '+5215512345678' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
//     -> 316030e6e8f88b1be41ab096d5c42a05ed45c55fc5171aab949a73e8f93c1300
TEST(Pseudonymizer, MatchesKnownAnswerVectors) {
  const auto p = test_pseudonymizer();
  const auto guatemala = p.pseudonymize(number("+50255550000"));
  EXPECT_EQ(guatemala.value(), "ec152179ceb16e60d55ff2189c23f8abe925bbe739ec2415230aea0b1180666e");
  EXPECT_EQ(guatemala.log_tag(), "ab5db3d8");
  EXPECT_EQ(p.pseudonymize(number("+52 1 55 1234 5678")).value(),
            "316030e6e8f88b1be41ab096d5c42a05ed45c55fc5171aab949a73e8f93c1300");
}

TEST(Pseudonymizer, SameNumberInAnyNotationGivesTheSameId) {
  const auto p = test_pseudonymizer();
  const auto a = p.pseudonymize(number("+50255550000"));
  EXPECT_EQ(p.pseudonymize(number("0050255550000")), a);
  EXPECT_EQ(p.pseudonymize(number("502 5555-0000")), a);
  EXPECT_EQ(p.pseudonymize(number("502 5555-0000")).log_tag(), a.log_tag());
}

TEST(Pseudonymizer, DifferentNumbersGiveDifferentIds) {
  const auto p = test_pseudonymizer();
  EXPECT_NE(p.pseudonymize(number("+50255550000")), p.pseudonymize(number("+50255550001")));
}

TEST(Pseudonymizer, DifferentKeysGiveDifferentIdsAndTags) {
  const auto a = test_pseudonymizer();
  const auto b =
      Pseudonymizer::from_hex("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100")
          .value();
  const auto n = number("+50255550000");
  EXPECT_NE(a.pseudonymize(n), b.pseudonymize(n));
  EXPECT_NE(a.pseudonymize(n).log_tag(), b.pseudonymize(n).log_tag());
}

TEST(Pseudonymizer, IdsAreLowercaseHexAndTagIsNotAPrefixOfTheId) {
  const auto p = test_pseudonymizer();
  const auto id = p.pseudonymize(number("+50255550000"));
  EXPECT_EQ(id.value().size(), SubscriberId::kValueSize);
  EXPECT_TRUE(is_lower_hex(id.value()));
  EXPECT_EQ(id.log_tag().size(), SubscriberId::kLogTagSize);
  EXPECT_TRUE(is_lower_hex(id.log_tag()));
  // The tag comes from a separate key, so a log line cannot be joined to a DB row by prefix.
  EXPECT_NE(id.value().substr(0, SubscriberId::kLogTagSize), id.log_tag());
}

TEST(Pseudonymizer, RestoreRebuildsTheSameIdFromItsStoredValue) {
  const auto p = test_pseudonymizer();
  const auto id = p.pseudonymize(number("+50255550000"));
  const std::string stored(id.value());
  const auto restored = p.restore(stored);
  ASSERT_TRUE(restored) << restored.error().message();
  EXPECT_EQ(*restored, id);
  EXPECT_EQ(restored->log_tag(), id.log_tag());
}

TEST(Pseudonymizer, RestoreRejectsAnythingButSixtyFourLowercaseHex) {
  const auto p = test_pseudonymizer();
  const std::string good(p.pseudonymize(number("+50255550000")).value());
  std::string upper = good;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad : {std::string(), good.substr(1), good + "0", upper,
                                 good.substr(0, 63) + "g", std::string(64, ' ')}) {
    const auto r = p.restore(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(Pseudonymizer, FromHexRejectsBadKeysWithoutEchoingThem) {
  const std::string good(kTestKey);
  std::string upper = good;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(Pseudonymizer::from_hex(upper));  // hex case does not matter for keys
  for (const std::string& bad :
       {std::string(), good.substr(2), good + "00", good.substr(0, 62) + "zz", good + "\n"}) {
    const auto r = Pseudonymizer::from_hex(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message().find("0a0b0c"), std::string::npos);
  }
}

TEST(Pseudonymizer, IsUsableAfterMove) {
  auto a = test_pseudonymizer();
  const auto n = number("+50255550000");
  const auto before = a.pseudonymize(n);
  Pseudonymizer b = std::move(a);
  EXPECT_EQ(b.pseudonymize(n), before);
  auto c = Pseudonymizer::from_hex(std::string(64, 'f')).value();
  c = std::move(b);
  EXPECT_EQ(c.pseudonymize(n), before);
}

// --- key file -------------------------------------------------------------------------------

TEST(PseudonymizerKeyFile, IsCreatedPrivateWithPrivateParentsAndRereadGivesTheSameIds) {
  test::TempDir dir;
  const std::string path = dir.file("var/keys/secret.key");
  bool created = false;
  const auto first = Pseudonymizer::from_key_file(path, true, &created);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(created);
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir.file("var/keys")), 0700u);
  EXPECT_EQ(mode_of(dir.file("var")), 0700u);

  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(content.size(), 65u);
  EXPECT_TRUE(is_lower_hex(std::string_view(content).substr(0, 64)));
  EXPECT_EQ(content.back(), '\n');
  // No temporary file is left beside the key.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("var/keys")),
                          std::filesystem::directory_iterator()),
            1);

  const auto n = number("+50255550000");
  for (const bool create : {false, true}) {
    bool created_again = true;
    const auto again = Pseudonymizer::from_key_file(path, create, &created_again);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_FALSE(created_again);
    EXPECT_EQ(again->pseudonymize(n), first->pseudonymize(n));
    EXPECT_EQ(again->pseudonymize(n).log_tag(), first->pseudonymize(n).log_tag());
  }
  EXPECT_EQ(Pseudonymizer::from_hex(std::string_view(content).substr(0, 64))->pseudonymize(n),
            first->pseudonymize(n));
}

TEST(PseudonymizerKeyFile, TwoCreatedKeysDiffer) {
  test::TempDir dir;
  const auto a = Pseudonymizer::from_key_file(dir.file("a.key"), true);
  const auto b = Pseudonymizer::from_key_file(dir.file("b.key"), true);
  ASSERT_TRUE(a && b);
  const auto n = number("+50255550000");
  EXPECT_NE(a->pseudonymize(n), b->pseudonymize(n));
}

TEST(PseudonymizerKeyFile, ReadsAFileWithoutTrailingNewlineAndOwnerReadOnly) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  write_file(path, kTestKey, 0400);
  const auto p = Pseudonymizer::from_key_file(path, false);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->pseudonymize(number("+50255550000")),
            test_pseudonymizer().pseudonymize(number("+50255550000")));
}

TEST(PseudonymizerKeyFile, MissingFileIsRefusedWhenCreationIsNotAllowed) {
  test::TempDir dir;
  const std::string path = dir.file("absent.key");
  bool created = true;
  const auto p = Pseudonymizer::from_key_file(path, false, &created);
  ASSERT_FALSE(p);
  EXPECT_FALSE(created);
  EXPECT_EQ(p.error().code, ErrorCode::kNotFound);
  EXPECT_NE(p.error().message().find(path), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PseudonymizerKeyFile, EmptyPathIsRefused) {
  const auto p = Pseudonymizer::from_key_file("", true);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
}

class PseudonymizerKeyFileMode : public ::testing::TestWithParam<unsigned> {};

TEST_P(PseudonymizerKeyFileMode, GroupOrOtherAccessIsRefusedNamingPathModeAndFix) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  write_file(path, std::string(kTestKey) + "\n", GetParam());
  for (const bool create : {false, true}) {
    const auto p = Pseudonymizer::from_key_file(path, create);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, ErrorCode::kPermissionDenied);
    const std::string message = p.error().message();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(fmt::format("{:04o}", GetParam())), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
    EXPECT_EQ(message.find(kTestKey.substr(0, 16)), std::string::npos) << message;
  }
  EXPECT_EQ(mode_of(path), GetParam());  // refused, not "fixed" behind the operator's back
}

INSTANTIATE_TEST_SUITE_P(Modes, PseudonymizerKeyFileMode,
                         ::testing::Values(0644u, 0640u, 0604u, 0660u, 0602u, 0620u, 0666u),
                         [](const auto& test_case) {
                           return fmt::format("Mode{:04o}", test_case.param);
                         });

struct BadContent {
  std::string_view name;
  std::string content;
};

class PseudonymizerKeyFileContent : public ::testing::TestWithParam<BadContent> {};

TEST_P(PseudonymizerKeyFileContent, IsRefusedWithoutShowingTheContent) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  write_file(path, GetParam().content, 0600);
  const auto p = Pseudonymizer::from_key_file(path, true);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  const std::string message = p.error().message();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("64 hex"), std::string::npos) << message;
  EXPECT_EQ(message.find("0a0b0c"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, PseudonymizerKeyFileContent,
    ::testing::Values(BadContent{"Empty", ""}, BadContent{"JustNewline", "\n"},
                      BadContent{"TooShort", std::string(kTestKey.substr(0, 62)) + "\n"},
                      BadContent{"TooLong", std::string(kTestKey) + "00\n"},
                      BadContent{"NotHex", std::string(kTestKey.substr(0, 60)) + "0a0b0c0z"},
                      BadContent{"TwoNewlines", std::string(kTestKey) + "\n\n"},
                      BadContent{"CarriageReturn", std::string(kTestKey) + "\r\n"},
                      BadContent{"LeadingSpace", " " + std::string(kTestKey)},
                      BadContent{"RawBytes", std::string(32, '\x01')}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(PseudonymizerKeyFile, DirectoryIsRefused) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  const auto p = Pseudonymizer::from_key_file(path, true);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
}

TEST(PseudonymizerKeyFile, FifoIsRefusedWithoutBlocking) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto p = Pseudonymizer::from_key_file(path, false);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
}

TEST(PseudonymizerKeyFile, ParentThatIsAFileIsRefused) {
  test::TempDir dir;
  write_file(dir.file("var"), "not a directory", 0600);
  const auto p = Pseudonymizer::from_key_file(dir.file("var/secret.key"), true);
  ASSERT_FALSE(p);
  EXPECT_FALSE(std::filesystem::exists(dir.file("var/secret.key")));
}

}  // namespace
}  // namespace ventanilla::privacy
