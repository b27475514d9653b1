// Helpers shared by the JSON format tests: read a whole input into one batch,
// compare batches field by field (floats by bit pattern).
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "tributary/core/record.h"
#include "tributary/formats/json/json_reader.h"
#include "tributary/io/stream.h"

namespace tributary::json_internal::testing {

struct ReadAllResult {
  RecordBatch rows;              // every row of every batch, in order
  std::vector<RowError> errors;  // every row error, in order
  Status status;                 // the first non-OK status, or OK at the end
  std::vector<size_t> batch_sizes;
  int64_t records_read = 0;
};

inline ReadAllResult ReadAll(Framing framing, std::string text, const ReadOptions& options = {},
                             size_t block_bytes = kDefaultBlockBytes) {
  ReadAllResult r;
  auto reader = OpenReader(framing, MemoryInput(std::move(text)), options, ReaderTuning{block_bytes});
  if (!reader.ok()) {
    r.status = reader.status();
    return r;
  }
  RecordBatch batch;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    std::vector<RowError> errors;
    Status st = (*reader)->ReadNext(&batch, &errors);
    if (!st.ok()) {
      r.status = st;
      // A failed call hands out nothing.
      EXPECT_EQ(batch.num_rows(), 0u);
      EXPECT_TRUE(errors.empty());
      break;
    }
    if (batch.num_rows() == 0 && errors.empty()) break;
    r.batch_sizes.push_back(batch.num_rows());
    for (size_t i = 0; i < batch.num_rows(); ++i) r.rows.AppendRowFrom(batch, i);
    for (auto& e : errors) r.errors.push_back(std::move(e));
  }
  r.records_read = (*reader)->records_read();
  return r;
}

inline ReadAllResult ReadJsonl(std::string text, const ReadOptions& options = {},
                               size_t block_bytes = kDefaultBlockBytes) {
  return ReadAll(Framing::kLines, std::move(text), options, block_bytes);
}

inline ReadAllResult ReadJson(std::string text, const ReadOptions& options = {},
                              size_t block_bytes = kDefaultBlockBytes) {
  return ReadAll(Framing::kArray, std::move(text), options, block_bytes);
}

inline uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }

// Adds a failure for every difference between a and b (origins included
// when compare_origin).
inline void ExpectSameRows(const RecordBatch& a, const RecordBatch& b, bool compare_origin = true) {
  ASSERT_EQ(a.num_rows(), b.num_rows());
  for (size_t r = 0; r < a.num_rows(); ++r) {
    SCOPED_TRACE("row index " + std::to_string(r));
    if (compare_origin) {
      EXPECT_EQ(a.origin[r].row, b.origin[r].row);
      EXPECT_EQ(a.origin[r].line, b.origin[r].line);
    }
    for (Field f : AllFields()) {
      SCOPED_TRACE(std::string(FieldName(f)));
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
        case FieldType::kJsonObject:
          ASSERT_EQ(a.strings(f).IsNull(r), b.strings(f).IsNull(r));
          if (!a.strings(f).IsNull(r)) {
            EXPECT_EQ(a.strings(f).Get(r), b.strings(f).Get(r));
          }
          break;
        case FieldType::kInt64:
        case FieldType::kTimestamp:
          ASSERT_EQ(a.ints(f).IsNull(r), b.ints(f).IsNull(r));
          if (!a.ints(f).IsNull(r)) {
            EXPECT_EQ(a.ints(f).Get(r), b.ints(f).Get(r));
          }
          break;
        case FieldType::kVector: {
          ASSERT_EQ(a.values.IsNull(r), b.values.IsNull(r));
          if (a.values.IsNull(r)) break;
          auto va = a.values.Get(r), vb = b.values.Get(r);
          ASSERT_EQ(va.size(), vb.size());
          for (size_t k = 0; k < va.size(); ++k) {
            if (Bits(va[k]) != Bits(vb[k])) {
              ADD_FAILURE() << "values[" << k << "]: " << va[k] << " (0x" << std::hex << Bits(va[k])
                            << ") != " << vb[k] << " (0x" << Bits(vb[k]) << std::dec << ")";
              break;
            }
          }
          break;
        }
      }
    }
  }
}

inline void ExpectSameErrors(const std::vector<RowError>& a, const std::vector<RowError>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("error index " + std::to_string(i));
    EXPECT_EQ(a[i].origin.row, b[i].origin.row);
    EXPECT_EQ(a[i].origin.line, b[i].origin.line);
    EXPECT_EQ(a[i].by_line, b[i].by_line);
    EXPECT_EQ(a[i].message, b[i].message);
    EXPECT_EQ(a[i].data_json, b[i].data_json);
    EXPECT_EQ(a[i].raw, b[i].raw);
  }
}

}  // namespace tributary::json_internal::testing
