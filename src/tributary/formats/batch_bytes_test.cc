// Every reader cuts batches by bytes as well as by rows, so a batch of huge
// records stays small (ReadOptions::max_batch_bytes).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tributary/formats/format.h"
#include "tributary/io/stream.h"

namespace tributary {
namespace {

constexpr int kRecords = 120;
const std::string kBig(200 << 10, 'x');  // 200 KiB of content per record

std::string Input(Format f) {
  std::string s;
  if (f == Format::kCsv) s = "id,document_id,values,content\n";
  if (f == Format::kJson) s = "[\n";
  for (int i = 0; i < kRecords; ++i) {
    const std::string id = "r" + std::to_string(i);
    if (f == Format::kCsv) {
      s += id + ",d,\"[1,2]\"," + kBig + "\n";
    } else {
      if (f == Format::kJson && i) s += ",\n";
      s += "{\"id\":\"" + id + "\",\"document_id\":\"d\",\"values\":[1,2],\"content\":\"" + kBig + "\"}";
      if (f == Format::kJsonl) s += "\n";
    }
  }
  if (f == Format::kJson) s += "\n]\n";
  return s;
}

TEST(BatchBytesTest, HugeRecordsMakeSmallBatches) {
  for (Format f : {Format::kJsonl, Format::kJson, Format::kCsv}) {
    for (int threads : {1, 2}) {
      ReadOptions o;
      o.batch_rows = 1000;
      o.max_batch_bytes = 1 << 20;
      o.decode_threads = threads;
      auto reader = OpenRecordReader(f, MemoryInput(Input(f)), o);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      RecordBatch b;
      std::vector<RowError> errors;
      int rows = 0, batches = 0;
      for (;;) {
        ASSERT_TRUE((*reader)->ReadNext(&b, &errors).ok());
        if (b.num_rows() == 0) break;
        ++batches;
        EXPECT_LE(b.ByteSize(), size_t{3} << 20) << FormatName(f) << " threads " << threads;
        for (size_t i = 0; i < b.num_rows(); ++i) {
          ASSERT_EQ(b.id.Get(i), "r" + std::to_string(rows)) << FormatName(f);
          ++rows;
        }
      }
      EXPECT_TRUE(errors.empty());
      EXPECT_EQ(rows, kRecords) << FormatName(f);
      EXPECT_GE(batches, 8) << FormatName(f) << " threads " << threads;
    }
  }
}

}  // namespace
}  // namespace tributary
