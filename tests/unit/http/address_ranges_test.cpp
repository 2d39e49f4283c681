#include "http/address_ranges.hpp"

#include <gtest/gtest.h>

namespace ventanilla::http {
namespace {

struct RangeCase {
  const char* name;
  const char* ranges;
  const char* address;
  bool inside;
};

class AddressRangeMatch : public testing::TestWithParam<RangeCase> {};

TEST_P(AddressRangeMatch, ContainsExactlyTheAddressesOfItsRanges) {
  const auto& c = GetParam();
  auto r = AddressRanges::parse(c.ranges);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->contains(c.address), c.inside) << c.ranges << " ∋ " << c.address;
}

INSTANTIATE_TEST_SUITE_P(
    Table, AddressRangeMatch,
    testing::Values(RangeCase{"V4Inside", "10.0.0.0/8", "10.200.3.4", true},
                    RangeCase{"V4Outside", "10.0.0.0/8", "11.0.0.1", false},
                    RangeCase{"V4OddPrefixEdgeIn", "192.168.4.0/22", "192.168.7.255", true},
                    RangeCase{"V4OddPrefixEdgeOut", "192.168.4.0/22", "192.168.8.0", false},
                    RangeCase{"BareHost", "127.0.0.1", "127.0.0.1", true},
                    RangeCase{"BareHostOther", "127.0.0.1", "127.0.0.2", false},
                    RangeCase{"ListCommaAndSpace", "10.0.0.0/8, 127.0.0.0/8 ::1", "127.9.9.9", true},
                    RangeCase{"V6Inside", "2001:db8::/32", "2001:db8:1::5", true},
                    RangeCase{"V6Outside", "2001:db8::/32", "2001:db9::1", false},
                    RangeCase{"V4MappedMatchesV4", "10.0.0.0/8", "::ffff:10.1.2.3", true},
                    RangeCase{"V6DoesNotMatchV4", "0.0.0.0/0", "::1", false},
                    RangeCase{"AllV4", "0.0.0.0/0", "203.0.113.9", true},
                    RangeCase{"GarbageAddressMatchesNothing", "0.0.0.0/0", "not-an-ip", false}),
    [](const testing::TestParamInfo<RangeCase>& p) { return std::string(p.param.name); });

TEST(AddressRanges, BadRangesAreRefusedNamingTheRange) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/x", "300.1.1.1", "::1/129", "host.example"}) {
    auto r = AddressRanges::parse(std::string("127.0.0.1, ") + bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().detail.find(bad), std::string::npos) << r.error().detail;
  }
  auto empty = AddressRanges::parse("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace ventanilla::http
