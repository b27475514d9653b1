// Text encodings of record values shared by the JSON, JSONL and CSV formats.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "tributary/core/record.h"

namespace tributary {

// "[0.1,0.2,0.3]": shortest round-trip floats, no spaces.
void AppendVectorText(std::span<const float> v, std::string* out);

// Row `row` of batch as one compact JSON object with every field in record
// order; nulls as null, metadata inlined, timestamps RFC 3339 UTC.
void AppendRecordJson(const RecordBatch& batch, size_t row, std::string* out);

// How a dialect of JSON spells what plain JSON writes differently (MongoDB's
// relaxed Extended JSON: "_id", {"$date": ...}, {"$numberDouble": "NaN"}).
struct RecordJsonDialect {
  std::string_view id_key = "id";
  // Writes a metadata object (stored as compact JSON); nullptr = as stored.
  void (*metadata)(std::string_view json, std::string* out) = nullptr;
  // Writes a vector; nullptr = AppendVectorText.
  void (*vector)(std::span<const float> v, std::string* out) = nullptr;
  // Timestamps as {"$date":"..."} instead of a plain string.
  bool dates_wrapped = false;
};
void AppendRecordJson(const RecordBatch& batch, size_t row, std::string* out,
                      const RecordJsonDialect& dialect);

// A cheap upper-bound-ish estimate of row `row`'s text size in any text
// format, to cut batches into slices of bounded encoded size.
size_t EstimateRecordTextBytes(const RecordBatch& batch, size_t row);

}  // namespace tributary
