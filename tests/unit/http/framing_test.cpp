#include "http/framing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ventanilla::http {
namespace {

struct FramingCase {
  const char* name;
  unsigned version;
  std::vector<std::string_view> te;
  std::vector<std::string_view> cl;
  bool accepted;
};

class Framing : public ::testing::TestWithParam<FramingCase> {};

TEST_P(Framing, AcceptsOnlyUnambiguousFraming) {
  const auto& c = GetParam();
  const auto verdict = check_framing(c.version, c.te, c.cl);
  EXPECT_EQ(!verdict.has_value(), c.accepted) << (verdict ? verdict->reason : "accepted");
  if (verdict) {
    EXPECT_EQ(verdict->status, 400u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Framing,
    ::testing::Values(FramingCase{"no_body", 11, {}, {}, true},
                      FramingCase{"one_content_length", 11, {}, {"12"}, true},
                      FramingCase{"identical_repeated_content_length", 11, {}, {"12", "12"}, true},
                      FramingCase{"differing_content_lengths", 11, {}, {"12", "13"}, false},
                      FramingCase{"signed_content_length", 11, {}, {"+12"}, false},
                      FramingCase{"empty_content_length", 11, {}, {""}, false},
                      FramingCase{"chunked", 11, {"chunked"}, {}, true},
                      FramingCase{"chunked_any_case_and_spaces", 11, {" Chunked "}, {}, true},
                      FramingCase{"chunked_http10", 10, {"chunked"}, {}, false},
                      FramingCase{"gzip", 11, {"gzip"}, {}, false},
                      FramingCase{"gzip_then_chunked", 11, {"gzip, chunked"}, {}, false},
                      FramingCase{"chunked_twice", 11, {"chunked", "chunked"}, {}, false},
                      FramingCase{"chunked_with_content_length", 11, {"chunked"}, {"5"}, false},
                      FramingCase{"identity", 11, {"identity"}, {}, false}),
    [](const ::testing::TestParamInfo<FramingCase>& p) { return std::string(p.param.name); });

struct HostCase {
  const char* name;
  unsigned version;
  std::size_t host_count;
  bool accepted;
};

class HostFields : public ::testing::TestWithParam<HostCase> {};

TEST_P(HostFields, Http11NeedsExactlyOneHostAndNoRequestHasTwo) {
  const auto& c = GetParam();
  const auto verdict = check_host(c.version, c.host_count);
  EXPECT_EQ(!verdict.has_value(), c.accepted) << (verdict ? verdict->reason : "accepted");
  if (verdict) {
    EXPECT_EQ(verdict->status, 400u);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, HostFields,
                         ::testing::Values(HostCase{"http11_one_host", 11, 1, true},
                                           HostCase{"http11_no_host", 11, 0, false},
                                           HostCase{"http11_two_hosts", 11, 2, false},
                                           HostCase{"http10_no_host", 10, 0, true},
                                           HostCase{"http10_one_host", 10, 1, true},
                                           HostCase{"http10_two_hosts", 10, 2, false}),
                         [](const ::testing::TestParamInfo<HostCase>& p) {
                           return std::string(p.param.name);
                         });

struct BodilessCase {
  const char* name;
  bool get_or_head;
  bool transfer_encoding;
  std::optional<std::uint64_t> content_length;
  bool accepted;
};

class BodilessMethod : public ::testing::TestWithParam<BodilessCase> {};

TEST_P(BodilessMethod, GetAndHeadMayNotAnnounceABody) {
  const auto& c = GetParam();
  const auto verdict = check_bodiless_method(c.get_or_head, c.transfer_encoding, c.content_length);
  EXPECT_EQ(!verdict.has_value(), c.accepted) << (verdict ? verdict->reason : "accepted");
  if (verdict) {
    EXPECT_EQ(verdict->status, 400u);
    EXPECT_EQ(verdict->reason, "a GET carries no body");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BodilessMethod,
    ::testing::Values(BodilessCase{"get_without_framing", true, false, std::nullopt, true},
                      BodilessCase{"get_content_length_zero", true, false, 0, true},
                      BodilessCase{"get_content_length_five", true, false, 5, false},
                      BodilessCase{"get_chunked", true, true, std::nullopt, false},
                      BodilessCase{"post_content_length_five", false, false, 5, true},
                      BodilessCase{"post_chunked", false, true, std::nullopt, true}),
    [](const ::testing::TestParamInfo<BodilessCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ventanilla::http
