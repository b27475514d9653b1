#include "tributary/core/time_util.h"

#include <gtest/gtest.h>

namespace tributary {
namespace {

int64_t Parse(const char* s) {
  int64_t v = 0;
  Status st = ParseTimestamp(s, &v);
  EXPECT_TRUE(st.ok()) << s << ": " << st.ToString();
  return v;
}

TEST(TimeUtilTest, ParsesRfc3339Forms) {
  EXPECT_EQ(Parse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Parse("2024-01-01T00:00:00Z"), 1704067200LL * 1000000);
  EXPECT_EQ(Parse("2024-01-01T02:00:00+02:00"), 1704067200LL * 1000000);
  EXPECT_EQ(Parse("2023-12-31T19:00:00-05:00"), 1704067200LL * 1000000);
  EXPECT_EQ(Parse("2024-01-01 00:00:00"), 1704067200LL * 1000000);
  EXPECT_EQ(Parse("2024-01-01"), 1704067200LL * 1000000);
  EXPECT_EQ(Parse("2024-01-01T00:00:00.5Z"), 1704067200LL * 1000000 + 500000);
  EXPECT_EQ(Parse("2024-01-01T00:00:00.123456789Z"), 1704067200LL * 1000000 + 123456);
  EXPECT_EQ(Parse("1969-12-31T23:59:59Z"), -1000000);
}

TEST(TimeUtilTest, FormatsUtcWithZ) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(1704067200LL * 1000000 + 500000), "2024-01-01T00:00:00.500Z");
  EXPECT_EQ(FormatTimestamp(1704067200LL * 1000000 + 123456), "2024-01-01T00:00:00.123456Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TimeUtilTest, RoundTrips) {
  for (int64_t v : {0LL, 1LL, -1LL, 1704067200123456LL, -86400000000LL * 365 * 50, 253402300799000000LL}) {
    int64_t back = 0;
    ASSERT_TRUE(ParseTimestamp(FormatTimestamp(v), &back).ok());
    EXPECT_EQ(back, v);
  }
}

TEST(TimeUtilTest, RejectsWithAClearMessage) {
  int64_t v;
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-02-30T00:00:00Z", "2024-01-01T25:00:00Z",
                          "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00", "2024-01-01T00:00:00+2"}) {
    Status st = ParseTimestamp(bad, &v);
    EXPECT_TRUE(st.IsInvalidData()) << bad;
    EXPECT_NE(st.message().find("Invalid timestamp"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace tributary
