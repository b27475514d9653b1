#include "tributary/core/validate.h"

#include <string>

namespace tributary {

Status Validator::CheckRow(RecordBatch* b, size_t row) {
  for (Field f : {Field::kId, Field::kDocumentId}) {
    const StringColumn& c = b->strings(f);
    if (c.IsNull(row) || c.Get(row).empty()) {
      return Status::InvalidData("Missing required field: " + std::string(FieldName(f)));
    }
  }
  if (kind_ != DocumentKind::kEmbeddedChunk) {
    if (b->content.IsNull(row) || b->content.Get(row).empty()) {
      return Status::InvalidData("Missing required field: content (required for " +
                                 std::string(DocumentKindName(kind_)) + " documents)");
    }
    if (kind_ == DocumentKind::kChunk && b->chunk_index.IsNull(row)) {
      return Status::InvalidData("Missing required field: chunk_index (required for chunk documents)");
    }
  }
  if (b->values.IsNull(row)) {
    if (kind_ == DocumentKind::kEmbeddedChunk) return Status::InvalidData("Missing required field: values");
  } else {
    const size_t len = b->values.Length(row);
    if (dimension_ == 0) {
      if (len == 0) return Status::InvalidData("Invalid vector: values is empty");
      if (len > 65536) {
        return Status::InvalidData("Invalid vector: " + std::to_string(len) +
                                   " dimensions exceed the limit of 65536");
      }
      dimension_ = static_cast<int32_t>(len);
    } else if (len != static_cast<size_t>(dimension_)) {
      return Status::InvalidData("Vector dimension mismatch: expected " + std::to_string(dimension_) +
                                 ", got " + std::to_string(len));
    }
  }
  if (schema_ != nullptr) {
    TRIB_RETURN_NOT_OK(schema_->Check(b->metadata.IsNull(row) ? std::string_view() : b->metadata.Get(row)));
  }
  if (b->created_at.IsNull(row)) b->created_at.Set(row, now_);
  if (b->updated_at.IsNull(row)) b->updated_at.Set(row, b->created_at.Get(row));
  return Status::OK();
}

}  // namespace tributary
