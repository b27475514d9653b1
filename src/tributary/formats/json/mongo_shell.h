// Mongo shell syntax, as mongoimport reads it in JSON input, rewritten into
// strict canonical Extended JSON, which extended_json.h then unwraps.
//
//   ObjectId("…")                  -> {"$oid": "…"} (24 hex digits)
//   ISODate("…"), Date("…")        -> {"$date": "…"}
//   Date(ms), new Date(ms)         -> {"$date": {"$numberLong": "ms"}}
//   NumberInt(n), NumberLong(n), NumberDecimal(x) (n, x bare or quoted)
//                                  -> {"$numberInt"|"$numberLong"|"$numberDecimal": "n"}
//   Timestamp(t, i)                -> {"$timestamp": {"t": t, "i": i}}
//   BinData(sub, "base64")         -> {"$binary": {"base64": …, "subType": "hh"}}
//   HexData(sub, "hex")            -> the same, the hex turned into base64
//   Boolean(x)                     -> true / false
//   RegExp("p"[, "f"]), /p/flags   -> {"$regularExpression": {"pattern": p, "options": f}}
//   DBRef("c", id[, "db"]), Dbref  -> {"$ref": c, "$id": id[, "$db": db]}
//   DBPointer("ns", ObjectId("…")) -> {"$dbPointer": {"$ref": ns, "$id": {"$oid": …}}}
//   undefined                      -> {"$undefined": true}
//   NaN, Infinity, -Infinity       -> {"$numberDouble": "NaN"} …
//   MinKey, MaxKey (with or without "()") -> {"$minKey": 1} / {"$maxKey": 1}
//   0x1F (hex integers)            -> 31;  +5 -> 5;  .5 -> 0.5
//   'single quoted' strings        -> "single quoted"
//   unquoted keys {a_1: 1}         -> {"a_1": 1}
//   "new" before any constructor is allowed.
// Strict JSON passes through unchanged (strings byte for byte).
//
// Cost and limits: one pass, linear in the input; nesting deeper than
// kMaxShellDepth and output beyond kMaxShellOutputBytes are errors, so
// hostile input is bounded in time, stack and memory.
//
// Framing limit: in JSON array files (and single pretty-printed documents)
// record boundaries are found before this rewrite, by a scanner that knows
// double-quoted strings only, so a single-quoted string or a /regex/ holding
// a bracket or a double quote can break framing there (the pieces then
// fail as malformed records). JSON Lines, mongoimport's default, has no
// such limit.
//
// Errors are InvalidData "Invalid JSON: <what> at line L, column C", with L
// counted from first_line (the line the record starts on) and C the 1-based
// byte column on that line.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tributary/core/status.h"

namespace tributary::json_internal {

inline constexpr int kMaxShellDepth = 256;
inline constexpr size_t kMaxShellOutputBytes = size_t{64} << 20;

// Rewrites text into *out (cleared first).
Status ShellToExtendedJson(std::string_view text, int64_t first_line, std::string* out);

}  // namespace tributary::json_internal
