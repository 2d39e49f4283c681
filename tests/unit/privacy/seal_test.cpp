// Pseudonymizer::seal()/unseal(): the outbox's sealed destination numbers (pseudonymizer.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "privacy/pseudonymizer.hpp"

namespace ventanilla::privacy {
namespace {

constexpr std::string_view kTestKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kOtherKey =
    "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
constexpr std::string_view kContext = "outbox/42";

PhoneNumber number(std::string_view raw) { return PhoneNumber::parse(raw).value(); }

Pseudonymizer pseudonymizer(std::string_view key_hex) {
  return Pseudonymizer::from_hex(key_hex).value();
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Asserts that unseal() failed with `code` and that its message shows no digits of `n` (a run of
// four digits from the number would already be a leak).
void expect_unseal_error(const Result<PhoneNumber>& r, ErrorCode code, const PhoneNumber& n) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().message();
  const std::string message = r.error().message();
  const std::string_view digits = n.digits();
  for (std::size_t i = 0; i + 4 <= digits.size(); ++i) {
    EXPECT_EQ(message.find(digits.substr(i, 4)), std::string::npos) << message;
  }
}

// Known-answer vector, computed independently with Python's `cryptography` package and the
// OpenSSL command line (not with this code):
//   K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//   printf '%s' 'ventanilla/seal/v1' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
//     -> 1231c8cfd1b987a4b88aed99e8da87d6ebde08e68debbae4e7597c941cec4830          (k_seal)
//   AESGCM(k_seal).encrypt(nonce=a0a1a2a3a4a5a6a7a8a9aaab, b"+50255550000", aad=b"outbox/42")
//   sealed = 01 | nonce | ciphertext+tag
// It pins the key derivation, the byte layout and the AAD binding.
constexpr std::string_view kKnownSealedHex =
    "01a0a1a2a3a4a5a6a7a8a9aaab8304f86de64baeea1923ae102db419d60f3b4544ddbde1e8abf1f22f";

TEST(Seal, UnsealsAKnownAnswerVector) {
  const auto p = pseudonymizer(kTestKey);
  const auto r = p.unseal(from_hex(kKnownSealedHex), kContext);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->e164(), "+50255550000");
}

TEST(Seal, KnownAnswerVectorFailsUnderAnotherKeyOrContext) {
  const std::string sealed = from_hex(kKnownSealedHex);
  const auto n = number("+50255550000");
  expect_unseal_error(pseudonymizer(kOtherKey).unseal(sealed, kContext),
                      ErrorCode::kPermissionDenied, n);
  expect_unseal_error(pseudonymizer(kTestKey).unseal(sealed, "outbox/43"),
                      ErrorCode::kPermissionDenied, n);
}

TEST(Seal, RoundTripsNumbersOfEveryLengthAndAnyContext) {
  const auto p = pseudonymizer(kTestKey);
  struct Case {
    std::string_view raw;
    std::string_view context;
  };
  const Case cases[] = {
      {"+50255550000", kContext},
      {"+4930123456", ""},                               // 10 digits, empty context
      {"+12025550123", "a"},                             // 11 digits
      {"+5215512345678", "idem-7f3c9a"},                 // 13 digits
      {"+49301234", kContext},                           // kMinDigits
      {"+123456789012345", std::string_view("\0x", 2)},  // kMaxDigits; binary context
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.context);
    const auto n = number(c.raw);
    const std::string sealed = p.seal(n, c.context);
    EXPECT_EQ(sealed.size(), Pseudonymizer::kSealOverheadBytes + n.e164().size());
    EXPECT_EQ(static_cast<unsigned char>(sealed[0]), Pseudonymizer::kSealVersion);
    const auto r = p.unseal(sealed, c.context);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, n);
  }
}

TEST(Seal, SealingTheSameNumberTwiceGivesDifferentBytes) {
  const auto p = pseudonymizer(kTestKey);
  const auto n = number("+50255550000");
  const std::string a = p.seal(n, kContext);
  const std::string b = p.seal(n, kContext);
  EXPECT_NE(a, b);
  // The nonces differ (not just the ciphertexts).
  EXPECT_NE(a.substr(1, Pseudonymizer::kSealNonceBytes),
            b.substr(1, Pseudonymizer::kSealNonceBytes));
  EXPECT_EQ(p.unseal(a, kContext).value(), n);
  EXPECT_EQ(p.unseal(b, kContext).value(), n);
}

TEST(Seal, SealedBytesDoNotContainTheNumber) {
  const auto p = pseudonymizer(kTestKey);
  for (std::string_view raw : {"+50255550000", "+5215512345678", "+123456789012345"}) {
    const auto n = number(raw);
    const std::string sealed = p.seal(n, kContext);
    EXPECT_EQ(sealed.find(n.digits()), std::string::npos) << raw;
    // Not even a run of five of its digits (a partial number narrows the search space).
    for (std::size_t i = 0; i + 5 <= n.digits().size(); ++i) {
      EXPECT_EQ(sealed.find(n.digits().substr(i, 5)), std::string::npos) << raw;
    }
  }
}

TEST(Seal, ContextIsBound) {
  const auto p = pseudonymizer(kTestKey);
  const auto n = number("+50255550000");
  const std::string sealed = p.seal(n, kContext);
  for (std::string_view other : {"outbox/43", "", "outbox/4", "outbox/420", "Outbox/42"}) {
    SCOPED_TRACE(other);
    expect_unseal_error(p.unseal(sealed, other), ErrorCode::kPermissionDenied, n);
  }
  const std::string sealed_empty = p.seal(n, "");
  expect_unseal_error(p.unseal(sealed_empty, kContext), ErrorCode::kPermissionDenied, n);
  EXPECT_EQ(p.unseal(sealed_empty, "").value(), n);
}

TEST(Seal, FlippingAnyBitIsDetected) {
  const auto p = pseudonymizer(kTestKey);
  const auto n = number("+50255550000");
  const std::string sealed = p.seal(n, kContext);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      SCOPED_TRACE(testing::Message() << "byte " << i << " bit " << bit);
      // Byte 0 is the version: any change there is an unknown version, caught before decryption.
      expect_unseal_error(p.unseal(tampered, kContext),
                          i == 0 ? ErrorCode::kInvalidArgument : ErrorCode::kPermissionDenied, n);
    }
  }
}

TEST(Seal, WrongLengthsAreRefused) {
  const auto p = pseudonymizer(kTestKey);
  // A 15-digit number seals to exactly kSealedMaxBytes, so any extra byte is too long.
  const auto n = number("+123456789012345");
  const std::string sealed = p.seal(n, kContext);
  ASSERT_EQ(sealed.size(), Pseudonymizer::kSealedMaxBytes);
  for (std::size_t len = 0; len < sealed.size(); ++len) {
    SCOPED_TRACE(len);
    // Too short to hold any number: a format error. Long enough: the tag no longer matches.
    expect_unseal_error(p.unseal(std::string_view(sealed).substr(0, len), kContext),
                        len < Pseudonymizer::kSealedMinBytes ? ErrorCode::kInvalidArgument
                                                             : ErrorCode::kPermissionDenied,
                        n);
  }
  expect_unseal_error(p.unseal(sealed + '\0', kContext), ErrorCode::kInvalidArgument, n);
  expect_unseal_error(p.unseal(sealed + sealed, kContext), ErrorCode::kInvalidArgument, n);
}

TEST(Seal, UnknownVersionsAreRefused) {
  const auto p = pseudonymizer(kTestKey);
  const auto n = number("+50255550000");
  const std::string sealed = p.seal(n, kContext);
  for (int version : {0x00, 0x02, 0x7f, 0xff}) {
    std::string other = sealed;
    other[0] = static_cast<char>(static_cast<unsigned char>(version));
    SCOPED_TRACE(version);
    expect_unseal_error(p.unseal(other, kContext), ErrorCode::kInvalidArgument, n);
  }
}

TEST(Seal, AnotherKeyCannotUnseal) {
  const auto n = number("+50255550000");
  const std::string sealed = pseudonymizer(kTestKey).seal(n, kContext);
  expect_unseal_error(pseudonymizer(kOtherKey).unseal(sealed, kContext),
                      ErrorCode::kPermissionDenied, n);
  // The same key in upper-case hex is the same key.
  const auto upper =
      pseudonymizer("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  EXPECT_EQ(upper.unseal(sealed, kContext).value(), n);
}

TEST(Seal, IsUsableAfterMove) {
  auto p = pseudonymizer(kTestKey);
  const auto n = number("+50255550000");
  const std::string sealed = p.seal(n, kContext);
  const Pseudonymizer q = std::move(p);
  EXPECT_EQ(q.unseal(sealed, kContext).value(), n);
  EXPECT_EQ(q.unseal(q.seal(n, kContext), kContext).value(), n);
}

TEST(Seal, ConcurrentSealAndUnsealAgree) {
  const auto p = pseudonymizer(kTestKey);
  const PhoneNumber numbers[] = {number("+50255550000"), number("+5215512345678"),
                                 number("+12025550123"), number("+4930123456")};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const PhoneNumber& n = numbers[t];
      const std::string context = "row/" + std::to_string(t);
      for (int i = 0; i < 200; ++i) {
        const auto r = p.unseal(p.seal(n, context), context);
        if (!r.has_value() || !(*r == n)) ++failures;
        // Interleave with the HMAC path, which shares the same State.
        (void)p.pseudonymize(n);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace ventanilla::privacy
