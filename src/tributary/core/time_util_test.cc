#include "tributary/core/time_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <random>
#include <string>

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

// The formatter against glibc's calendar (gmtime_r) and printf, on random
// instants over years 1 to 9999 and the edges of the printf fallback.
TEST(TimeUtilTest, FormatsAsTheCLibraryDoes) {
  const auto reference = [](int64_t micros) {
    int64_t secs = micros / 1000000, frac = micros % 1000000;
    if (frac < 0) {
      frac += 1000000;
      secs -= 1;
    }
    const time_t t = static_cast<time_t>(secs);
    struct tm tm {};
    EXPECT_NE(gmtime_r(&t, &tm), nullptr);
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d",
                          static_cast<long long>(tm.tm_year) + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    std::string s(buf, static_cast<size_t>(n));
    if (frac % 1000 == 0 && frac != 0) {
      std::snprintf(buf, sizeof(buf), ".%03d", static_cast<int>(frac / 1000));
      s += buf;
    } else if (frac != 0) {
      std::snprintf(buf, sizeof(buf), ".%06d", static_cast<int>(frac));
      s += buf;
    }
    return s + "Z";
  };
  const int64_t kYear1 = -62135596800LL * 1000000;      // 0001-01-01T00:00:00Z
  const int64_t kYear10000 = 253402300800LL * 1000000;  // 10000-01-01T00:00:00Z
  std::mt19937_64 rng(20261121);
  std::uniform_int_distribution<int64_t> instant(kYear1, kYear10000 - 1);
  for (int i = 0; i < 20000; ++i) {
    int64_t v = instant(rng);
    if (i % 3 == 0) v -= v % 1000000;           // whole seconds
    else if (i % 3 == 1) v -= v % 1000;         // milliseconds
    ASSERT_EQ(FormatTimestamp(v), reference(v)) << v;
  }
  for (int64_t v : std::initializer_list<int64_t>{kYear1, kYear1 + 1, kYear10000 - 1, kYear10000, kYear10000 + 999000,
                    kYear1 - 1, kYear1 - int64_t{86400} * 1000000}) {
    EXPECT_EQ(FormatTimestamp(v), reference(v)) << v;
  }
  EXPECT_EQ(FormatTimestamp(kYear10000 - 1), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestamp(kYear1), "0001-01-01T00:00:00Z");
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
