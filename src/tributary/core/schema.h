// Declared record rules beyond the built-in ones: a JSON Schema subset for
// metadata, and the document kinds of a RAG pipeline.
//
// MetadataSchema understands: type (a name or a list of names: object,
// array, string, number, integer, boolean, null), required, properties,
// enum, minimum, maximum, minLength, maxLength (in characters), pattern
// (ECMAScript, searched anywhere in the string, as JSON Schema does) and
// items. Other keywords are refused at parse time, so a schema never seems to
// check something it does not. Check names the failing field by its path and
// the rule that failed:
//   "metadata.author.name: expected a string, got 42 (type)"
//
// DocumentKind says which fields a collection's records must have:
//   raw, cleaned:    id, document_id, content
//   chunk:           id, document_id, content, chunk_index
//   embedded_chunk:  id, document_id, values (the default)
// Only embedded chunks require a vector; others may carry one, which must
// then have the collection's dimension.
//
// Thread-safety: a parsed schema is immutable; Check may be called from
// several threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tributary/core/status.h"

namespace tributary {

enum class DocumentKind : uint8_t { kRaw, kCleaned, kChunk, kEmbeddedChunk };
std::string_view DocumentKindName(DocumentKind k);
// Accepts raw, cleaned, chunk, embedded_chunk (also embedded-chunk).
Result<DocumentKind> ParseDocumentKind(std::string_view name);

class MetadataSchema {
 public:
  MetadataSchema();
  ~MetadataSchema();
  MetadataSchema(MetadataSchema&&) noexcept;
  MetadataSchema& operator=(MetadataSchema&&) noexcept;

  // Parses a schema document. The top level may also carry
  // "x-document-kind": "<kind>" (how a collection stores its kind).
  static Result<MetadataSchema> Parse(std::string_view json);

  // Checks one record's metadata (compact JSON object text).
  Status Check(std::string_view metadata_json) const;

  std::optional<DocumentKind> kind() const;
  // The schema's compact text (as stored with a collection).
  const std::string& text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary
