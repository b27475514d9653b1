// MongoDB Extended JSON (canonical, relaxed and legacy, as mongoexport
// writes it) turned into the plain JSON records tributary reads, and back.
//
// Reading (ReadOptions::mongo_extended_json): each record is rewritten
// before decoding.
//   {"$oid": "…"}                      -> "…"
//   {"$date": "2009-04-01T00:00:00.000-0700"} / {"$date": {"$numberLong": "ms"}}
//   / {"$date": ms}                    -> "2009-04-01T07:00:00Z" (RFC 3339, UTC)
//   {"$numberInt"|"$numberLong"|"$numberDouble"|"$numberDecimal": "x"}
//                                      -> the number x ("NaN", "Infinity" stay strings)
//   {"$binary": {"base64": b, "subType": t}} / {"$binary": b, "$type": t}
//                                      -> b (the base64 text)
//   {"$timestamp": {"t": s, "i": n}}   -> {"t": s, "i": n}
//   top-level "_id"                    -> "id" (unless the record has an "id")
// Only objects of exactly a wrapper's shape are unwrapped: {"$exists": true}
// and other "$" keys stay data.
//
// Writing (WriteOptions::mongo_extended_json, JSON Lines): relaxed Extended
// JSON that mongoimport accepts: "_id" for id, {"$date": "…"} for
// timestamps, metadata as nested documents.
//
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <string_view>

#include "tributary/core/record.h"
#include "tributary/core/status.h"

namespace tributary::json_internal {

// Rewrites one record's text into *out (cleared first). InvalidData when the
// text is not JSON or a wrapper holds a malformed value (naming it).
Status RewriteExtendedJson(std::string_view text, std::string* out);

// Row `row` of batch as one relaxed Extended JSON document, no newline.
void AppendMongoRecordJson(const RecordBatch& batch, size_t row, std::string* out);

}  // namespace tributary::json_internal
