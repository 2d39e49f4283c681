#include "privacy/phone_number.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ventanilla::privacy {
namespace {

// PhoneNumber must not be loggable: neither fmt nor iostreams may accept it, and it must not
// silently convert to something they accept. The positive controls keep the checks honest.
template <class T>
concept Streamable = requires(std::ostream& os, const T& value) {
  os << value;
};

static_assert(!fmt::is_formattable<PhoneNumber>::value);
static_assert(!Streamable<PhoneNumber>);
static_assert(!std::is_convertible_v<PhoneNumber, std::string_view>);
static_assert(!std::is_convertible_v<PhoneNumber, std::string>);
static_assert(fmt::is_formattable<std::string>::value);
static_assert(Streamable<std::string>);

struct ValidCase {
  std::string_view name;
  std::string_view raw;
  std::string_view e164;
};

class PhoneNumberValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(PhoneNumberValid, NormalisesToE164) {
  const auto& c = GetParam();
  const auto number = PhoneNumber::parse(c.raw);
  ASSERT_TRUE(number.has_value()) << number.error().message();
  EXPECT_EQ(number->e164(), c.e164);
  EXPECT_EQ(number->digits(), c.e164.substr(1));
}

INSTANTIATE_TEST_SUITE_P(
    Table, PhoneNumberValid,
    ::testing::Values(ValidCase{"Plus", "+50255550000", "+50255550000"},
                      ValidCase{"NoPlus", "50255550000", "+50255550000"},
                      ValidCase{"DoubleZeroPrefix", "0050255550000", "+50255550000"},
                      ValidCase{"Spaces", "+502 5555 0000", "+50255550000"},
                      ValidCase{"LeadingAndTrailingSpaces", "  +50255550000 ", "+50255550000"},
                      // A '+' that a form decoder turned into a space.
                      ValidCase{"PlusDecodedAsSpace", " 50255550000", "+50255550000"},
                      ValidCase{"Dashes", "+502-5555-0000", "+50255550000"},
                      ValidCase{"Dots", "502.5555.0000", "+50255550000"},
                      ValidCase{"Parentheses", "+52 (55) 1234-5678", "+525512345678"},
                      ValidCase{"PlusInsideParentheses", "(+52) 55 1234 5678", "+525512345678"},
                      ValidCase{"DoubleZeroWithSeparators", "00 1 (202) 555-0123", "+12025550123"},
                      ValidCase{"MinDigits", "+12345678", "+12345678"},
                      ValidCase{"MaxDigits", "+123456789012345", "+123456789012345"},
                      ValidCase{"MaxDigitsAfterDoubleZero", "00123456789012345",
                                "+123456789012345"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

struct InvalidCase {
  std::string_view name;
  std::string_view raw;
  ErrorCode code;
};

class PhoneNumberInvalid : public ::testing::TestWithParam<InvalidCase> {};

// Any run of three or more digits from the input appearing in the error would be an echo.
bool echoes_digits(std::string_view message, std::string_view raw) {
  std::string digits;
  for (const char c : raw) {
    if (c >= '0' && c <= '9') digits += c;
  }
  for (std::size_t i = 0; i + 3 <= digits.size(); ++i) {
    if (message.find(digits.substr(i, 3)) != std::string_view::npos) return true;
  }
  return false;
}

TEST_P(PhoneNumberInvalid, IsRejectedWithoutEchoingTheInput) {
  const auto& c = GetParam();
  const auto number = PhoneNumber::parse(c.raw);
  ASSERT_FALSE(number.has_value());
  EXPECT_EQ(number.error().code, c.code);
  const std::string message = number.error().message();
  EXPECT_FALSE(message.empty());
  EXPECT_FALSE(echoes_digits(message, c.raw)) << message;
  if (!c.raw.empty()) {
    EXPECT_EQ(message.find(c.raw), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PhoneNumberInvalid,
    ::testing::Values(
        InvalidCase{"Empty", "", ErrorCode::kInvalidArgument},
        InvalidCase{"OnlySeparators", " -.() ", ErrorCode::kInvalidArgument},
        InvalidCase{"OnlyPlus", "+", ErrorCode::kInvalidArgument},
        InvalidCase{"Letters", "+502555ABCDE", ErrorCode::kInvalidArgument},
        InvalidCase{"TelUri", "tel:+50255550000", ErrorCode::kInvalidArgument},
        InvalidCase{"Star", "*123#50255550000", ErrorCode::kInvalidArgument},
        InvalidCase{"Slash", "502/55550000", ErrorCode::kInvalidArgument},
        InvalidCase{"Tab", "502\t55550000", ErrorCode::kInvalidArgument},
        InvalidCase{"NonAscii",
                    "+502\xc2\xa0"
                    "55550000",
                    ErrorCode::kInvalidArgument},
        InvalidCase{"NulByte",
                    std::string_view("+5025555\0"
                                     "0000",
                                     13),
                    ErrorCode::kInvalidArgument},
        InvalidCase{"PlusAfterDigits", "502+55550000", ErrorCode::kInvalidArgument},
        InvalidCase{"TwoPluses", "++50255550000", ErrorCode::kInvalidArgument},
        InvalidCase{"NationalTrunkZero", "0155512345678", ErrorCode::kInvalidArgument},
        InvalidCase{"PlusZero", "+050255550000", ErrorCode::kInvalidArgument},
        InvalidCase{"PlusDoubleZero", "+0050255550000", ErrorCode::kInvalidArgument},
        InvalidCase{"TripleZero", "00050255550000", ErrorCode::kInvalidArgument},
        InvalidCase{"SevenDigits", "+1234567", ErrorCode::kOutOfRange},
        InvalidCase{"SevenDigitsAfterDoubleZero", "001234567", ErrorCode::kOutOfRange},
        InvalidCase{"SixteenDigits", "+1234567890123456", ErrorCode::kOutOfRange},
        InvalidCase{"SixteenDigitsAfterDoubleZero", "001234567890123456", ErrorCode::kOutOfRange},
        InvalidCase{"VeryLong", "12345678901234567890123456789012345678901234567890",
                    ErrorCode::kOutOfRange},
        InvalidCase{"DoubleZeroOnly", "00", ErrorCode::kOutOfRange}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(PhoneNumber, EqualityComparesTheNormalisedNumber) {
  const auto a = PhoneNumber::parse("+502 5555 0000");
  const auto b = PhoneNumber::parse("0050255550000");
  const auto c = PhoneNumber::parse("+50255550001");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(*a == *c);
}

TEST(PhoneNumber, CopiesAreIndependentOfTheOriginal) {
  std::string raw = "+50255550000";
  std::optional<PhoneNumber> copy;
  {
    const auto original = PhoneNumber::parse(raw);
    ASSERT_TRUE(original);
    copy.emplace(*original);
  }
  raw.assign(raw.size(), 'x');  // the number does not view the caller's buffer
  EXPECT_EQ(copy->e164(), "+50255550000");
}

}  // namespace
}  // namespace ventanilla::privacy
