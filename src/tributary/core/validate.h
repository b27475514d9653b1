// The Validator applies the record model's rules to parsed rows before they
// are written anywhere: required fields, the collection's vector dimension,
// and defaults (a missing timestamp gets the time of import).
//
// Formats only convert types; every reader (CSV, JSON, Parquet, a store scan
// being migrated) goes through the same Validator, so the rules and messages
// are the same whatever the source.
//
// Thread-safety: one Validator per import.
#pragma once

#include <cstdint>

#include "tributary/core/record.h"
#include "tributary/core/schema.h"
#include "tributary/core/status.h"

namespace tributary {

class Validator {
 public:
  // dimension 0 = not known yet: the first row with a non-empty vector fixes it.
  Validator(int32_t dimension, int64_t now_micros) : dimension_(dimension), now_(now_micros) {}

  // Checks row `row`; fills default timestamps in place. Returns InvalidData
  // with the seed's messages ("Missing required field: document_id",
  // "Vector dimension mismatch: expected 768, got 512").
  Status CheckRow(RecordBatch* batch, size_t row);

  // A collection's declared rules: its document kind (which fields are
  // required) and, when schema is not null, its metadata schema, checked on
  // every row ("metadata.rating: 7 is greater than the maximum 5 (maximum)").
  // schema must outlive the Validator.
  void SetRules(const MetadataSchema* schema, DocumentKind kind) {
    schema_ = schema;
    kind_ = kind;
  }

  int32_t dimension() const { return dimension_; }

 private:
  const MetadataSchema* schema_ = nullptr;
  DocumentKind kind_ = DocumentKind::kEmbeddedChunk;
  int32_t dimension_;
  int64_t now_;
};

}  // namespace tributary
