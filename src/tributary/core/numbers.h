// Float and integer text conversions shared by every text format.
//
// Floats are written as the shortest decimal that reads back to the same
// float32 (so 0.1f prints "0.1"), and read with correct rounding straight to
// float32, so import(export(x)) == x bit for bit.
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/float_vector.h"
#include "tributary/core/status.h"

namespace tributary {

// Buffer size FormatFloat needs for one value (the text itself is at most 15
// characters; the writer may use the rest as scratch).
inline constexpr size_t kMaxFloatChars = 24;

// Appends the shortest round-trip decimal of v. Non-finite values are written
// as NaN, Infinity, -Infinity (only reachable when the caller allowed them).
void AppendFloat(float v, std::string* out);
// Writes into buf (kMaxFloatChars bytes, all of which may be overwritten) and
// returns the text's length. The text is std::to_chars's, made faster
// (core/shortest_float.h).
size_t FormatFloat(float v, char* buf);
// The bytes FormatFloatList may write for n floats. A float's text and its
// comma take at most 16 bytes ("-1.17549435e-38,"), so float i starts at
// most 16 i bytes in; the writers store in fixed-size pieces that reach at
// most kMaxFloatChars bytes past a float's start.
constexpr size_t FormatFloatListBytes(size_t n) { return 16 * n + kMaxFloatChars; }
// Writes v's elements as FormatFloat does, separated by commas, at out and
// returns the end. REQUIRES: out has FormatFloatListBytes(v.size()) writable
// bytes, all of which may be overwritten. Several times faster per float
// than FormatFloat calls one by one.
char* FormatFloatList(std::span<const float> v, char* out);
void AppendInt(int64_t v, std::string* out);

enum class ParseNumberError { kOk, kSyntax, kOutOfRange, kNonFinite };

// Parses a whole token as float32 with correct rounding. Accepts JSON numbers
// and also a leading '+', and "NaN"/"Infinity"/"inf" spellings, which are
// reported as kNonFinite unless allow_non_finite.
ParseNumberError ParseFloat(std::string_view token, float* out, bool allow_non_finite);
// Parses a whole token as int64; accepts "12", "-3", and integral floats "4.0".
ParseNumberError ParseInt64(std::string_view token, int64_t* out);

struct VectorParseOptions {
  bool allow_non_finite = false;
};

// Parses a vector written as text: "[0.1, 0.2]" (JSON), "{0.1,0.2}"
// (PostgreSQL array), or "0.1 0.2" / "0.1,0.2" (bare, space or comma
// separated). Appends the floats to out. On error returns InvalidData naming
// the element index and the offending token.
Status ParseVectorText(std::string_view text, const VectorParseOptions& options,
                       FloatVector* out);

}  // namespace tributary
