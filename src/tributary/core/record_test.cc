#include "tributary/core/record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tributary/core/float_vector.h"

namespace tributary {
namespace {

// What a reader appends: every field of one record.
void AppendRow(RecordBatch* b, int i, size_t dims) {
  for (Field f : AllFields()) {
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
      case FieldType::kJsonObject:
        b->strings(f).Append(std::string(40 + static_cast<size_t>(i % 7), 'a'));
        break;
      case FieldType::kInt64:
      case FieldType::kTimestamp: b->ints(f).Append(i); break;
      case FieldType::kVector: {
        FloatVector& data = b->values.data();
        for (size_t d = 0; d < dims; ++d) data.push_back(static_cast<float>(i) + 0.5f);
        b->values.FinishValue();
        break;
      }
    }
  }
  b->origin.push_back(RowOrigin{i + 1, 0});
}

TEST(RecordBatchTest, ReserveLikeMakesRoomForTheRestOfTheBatch) {
  constexpr size_t kDims = 768;
  constexpr int kRows = 256;
  RecordBatch b;
  AppendRow(&b, 0, kDims);
  b.ReserveLike(kRows);
  const float* floats = b.values.data().data();
  const char* content = b.content.Get(0).data();
  for (int i = 1; i < kRows; ++i) AppendRow(&b, i, kDims);
  ASSERT_EQ(b.num_rows(), static_cast<size_t>(kRows));
  // Neither the vectors nor the text moved: nothing was regrown.
  EXPECT_EQ(b.values.data().data(), floats);
  EXPECT_EQ(b.content.Get(0).data(), content);
  EXPECT_EQ(b.values.Get(kRows - 1)[kDims - 1], static_cast<float>(kRows - 1) + 0.5f);

  // Cleared and refilled, the batch keeps its room.
  b.Clear();
  AppendRow(&b, 0, kDims);
  b.ReserveLike(kRows);
  EXPECT_EQ(b.values.data().data(), floats);
}

TEST(RecordBatchTest, ReserveLikeIsBoundedAndHarmlessWhenEmpty) {
  RecordBatch empty;
  empty.ReserveLike(1000);  // nothing to scale from: no reservation
  EXPECT_EQ(empty.values.data().capacity(), 0u);

  // Huge rows and a huge row count: at most 16 MiB of floats up front.
  RecordBatch b;
  AppendRow(&b, 0, size_t{1} << 20);
  b.ReserveLike(size_t{1} << 40);
  EXPECT_LE(b.values.data().capacity() * sizeof(float), size_t{16} << 20);
}

TEST(FloatVectorTest, BehavesAsAVectorOfFloats) {
  FloatVector v;
  v.resize(3, 0.0f);  // with a value: set, as std::vector
  EXPECT_EQ(v, (FloatVector{0.0f, 0.0f, 0.0f}));
  v.push_back(1.5f);
  v.insert(v.end(), {2.5f, -3.0f});
  EXPECT_EQ(v, (FloatVector{0.0f, 0.0f, 0.0f, 1.5f, 2.5f, -3.0f}));
  // resize without a value leaves room to write, as parsers do.
  const size_t old = v.size();
  v.resize(old + 2);
  v[old] = 7.0f;
  v[old + 1] = 8.0f;
  EXPECT_EQ(v.back(), 8.0f);
  FloatVector copy = v;
  EXPECT_EQ(copy, v);
  copy.resize(1);
  EXPECT_EQ(copy, (FloatVector{0.0f}));
}

}  // namespace
}  // namespace tributary
