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
//   {"$regularExpression": {"pattern": p, "options": o}} and the legacy
//   {"$regex": p, "$options": o}       -> {"pattern": p, "options": o}
//   {"$minKey": 1} / {"$maxKey": 1}    -> "MinKey" / "MaxKey"
//   {"$undefined": true}               -> null
//   {"$symbol": s} / {"$code": s}      -> s
//   {"$dbPointer": {"$ref": ns, "$id": {"$oid": h}}} -> {"$ref": ns, "$id": h}
//   (DBRefs, {"$ref": c, "$id": id}, are ordinary documents and stay so.)
// mongoimport stores these as BSON types that JSON lacks; tributary keeps
// their content in plain JSON the way it keeps a timestamp's {t, i}: the
// value survives and can be filtered on, without "$" keys that a later
// mongoimport would read as type wrappers. A lone {"$regex": …} (a query
// operator, no "$options") stays data, as it does for mongoimport.
//
// Records that are not strict JSON are first read as mongo shell syntax
// (ObjectId("…"), ISODate("…"), NumberLong(…), NaN, /re/i, unquoted keys,
// single quotes, …; see mongo_shell.h), as mongoimport does.
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
// text is neither JSON nor mongo shell syntax (mongo_shell.h; the message
// names the line, counted from first_line, and column) or a wrapper holds a
// malformed value (naming it).
Status RewriteExtendedJson(std::string_view text, std::string* out, int64_t first_line = 1);

// Row `row` of batch as one relaxed Extended JSON document, no newline.
void AppendMongoRecordJson(const RecordBatch& batch, size_t row, std::string* out);

}  // namespace tributary::json_internal
