// ReadOptions::live_batch_rows: a batch size changed while a reader runs
// applies from the next batch on, in every text format and both CSV modes.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tributary/formats/format.h"
#include "tributary/io/stream.h"

namespace tributary {
namespace {

std::string Input(Format f, int records) {
  std::string s = f == Format::kCsv ? "id,document_id,values\n" : f == Format::kJson ? "[" : "";
  for (int i = 0; i < records; ++i) {
    const std::string id = "r" + std::to_string(i);
    if (f == Format::kCsv) {
      s += id + ",d,\"[1,2]\"\n";
    } else {
      if (f == Format::kJson && i) s += ",";
      s += "{\"id\":\"" + id + "\",\"document_id\":\"d\",\"values\":[1,2]}";
      if (f == Format::kJsonl) s += "\n";
    }
  }
  if (f == Format::kJson) s += "]\n";
  return s;
}

TEST(LiveBatchRowsTest, AChangedBatchSizeAppliesFromTheNextBatch) {
  for (Format f : {Format::kJsonl, Format::kJson, Format::kCsv}) {
    for (int threads : {1, 2}) {
      auto live = std::make_shared<std::atomic<size_t>>(0);
      ReadOptions o;
      o.batch_rows = 10;
      o.decode_threads = threads;
      o.live_batch_rows = live;
      auto reader = OpenRecordReader(f, MemoryInput(Input(f, 1000)), o);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      RecordBatch b;
      std::vector<RowError> errors;
      std::vector<size_t> sizes;
      int rows = 0;
      for (int call = 0;; ++call) {
        // 0 (batch_rows) for two batches, then 3 for two, then 250.
        if (call == 2) live->store(3);
        if (call == 4) live->store(250);
        ASSERT_TRUE((*reader)->ReadNext(&b, &errors).ok());
        if (b.num_rows() == 0) break;
        sizes.push_back(b.num_rows());
        for (size_t i = 0; i < b.num_rows(); ++i) ASSERT_EQ(b.id.Get(i), "r" + std::to_string(rows++));
      }
      EXPECT_TRUE(errors.empty());
      EXPECT_EQ(rows, 1000);
      const std::string where = std::string(FormatName(f)) + " threads " + std::to_string(threads);
      ASSERT_GE(sizes.size(), 8u) << where;
      EXPECT_EQ(sizes[0], 10u) << where;
      EXPECT_EQ(sizes[1], 10u) << where;
      EXPECT_EQ(sizes[2], 3u) << where;
      EXPECT_EQ(sizes[3], 3u) << where;
      EXPECT_EQ(sizes[4], 250u) << where;
      EXPECT_EQ(sizes[5], 250u) << where;
    }
  }
}

}  // namespace
}  // namespace tributary
