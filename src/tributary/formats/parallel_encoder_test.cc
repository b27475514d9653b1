#include "tributary/formats/parallel_encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tributary/formats/record_text.h"

namespace tributary {
namespace {

RecordBatch MakeBatch(int rows, size_t dim) {
  RecordBatch b;
  for (int i = 0; i < rows; ++i) {
    b.AppendNullRow({i + 1, i + 1});
    b.values.PopBack();
    std::vector<float> v(dim);
    for (size_t j = 0; j < dim; ++j) v[j] = 0.001f * static_cast<float>(i) + 0.37f * static_cast<float>(j);
    b.values.Append(v);
  }
  return b;
}

void EncodeJsonLines(const RecordBatch& batch, size_t begin, size_t end, std::string* out) {
  for (size_t i = begin; i < end; ++i) {
    AppendRecordJson(batch, i, out);
    out->push_back('\n');
  }
}

// What reaches the output, in order, and through which call.
struct Sink {
  std::string bytes;
  int flushes = 0;
  int parts = 0;
};

std::string Encode(const RecordBatch& batch, int threads, bool with_parts, Sink* sink) {
  ParallelEncoder encoder(EncodeJsonLines, threads);
  std::string buf;
  auto flush = [&] {
    ++sink->flushes;
    sink->bytes += buf;
    buf.clear();
    return Status::OK();
  };
  auto part = [&](std::string* p) {
    ++sink->parts;
    sink->bytes += *p;
    p->clear();
    return Status::OK();
  };
  Status st = with_parts ? encoder.Encode(batch, &buf, size_t{1} << 20, flush, part)
                         : encoder.Encode(batch, &buf, size_t{1} << 20, flush);
  EXPECT_TRUE(st.ok()) << st.ToString();
  sink->bytes += buf;
  return sink->bytes;
}

TEST(ParallelEncoderTest, PartsHandedOverInOrderGiveTheSameBytesAsOneThread) {
  // ~20 MiB of text: several 4 MiB slices, each split in parts of over
  // 256 KiB, then a small last slice whose parts are copied together instead.
  const RecordBatch batch = MakeBatch(3000, 768);
  Sink one, copied, handed;
  const std::string expected = Encode(batch, 1, false, &one);
  EXPECT_EQ(one.parts, 0);
  EXPECT_EQ(Encode(batch, 3, false, &copied), expected);
  EXPECT_EQ(copied.parts, 0);
  EXPECT_EQ(Encode(batch, 3, true, &handed), expected);
  EXPECT_GT(handed.parts, 0);  // the big slices went out part by part
}

TEST(ParallelEncoderTest, SmallPartsAreCopiedTogether) {
  // A batch whose parts are far under the flush size never uses write_part.
  const RecordBatch batch = MakeBatch(64, 768);
  Sink one, handed;
  const std::string expected = Encode(batch, 1, false, &one);
  EXPECT_EQ(Encode(batch, 2, true, &handed), expected);
  EXPECT_EQ(handed.parts, 0);
}

}  // namespace
}  // namespace tributary
