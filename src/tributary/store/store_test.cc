#include "tributary/store/store.h"

#include <gtest/gtest.h>

namespace tributary {
namespace {

TEST(StoreWriteModeTest, NamesRoundTrip) {
  for (WriteMode m : {WriteMode::kInsert, WriteMode::kSkipExisting, WriteMode::kUpsert}) {
    Result<WriteMode> parsed = ParseWriteMode(WriteModeName(m));
    ASSERT_TRUE(parsed.ok()) << WriteModeName(m);
    EXPECT_EQ(*parsed, m);
  }
  EXPECT_EQ(WriteModeName(WriteMode::kSkipExisting), "skip_existing");
  EXPECT_EQ(*ParseWriteMode("skip-existing"), WriteMode::kSkipExisting);
}

TEST(StoreWriteModeTest, UnknownNameIsInvalidArgument) {
  Result<WriteMode> m = ParseWriteMode("replace");
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsInvalidArgument());
  EXPECT_EQ(m.status().message(),
            "unknown write mode 'replace' (expected insert, skip_existing or upsert)");
  EXPECT_FALSE(ParseWriteMode("").ok());
  EXPECT_FALSE(ParseWriteMode("INSERT").ok());
}

}  // namespace
}  // namespace tributary
