#include "http/framing.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ventanilla::http
