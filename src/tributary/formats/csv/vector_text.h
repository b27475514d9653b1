// Fast parsing of the vector cells CSV files are mostly made of:
// "[0.0123,-0.456,...]", 768 or more numbers per record, with the kernel of
// core/float_parse.h, which JSON arrays share.
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <string_view>
#include <vector>

#include "tributary/core/float_vector.h"

namespace tributary::csv {

// Parses one number at [p, end): '-'? digits ('.' digits)? ([eE] [+-]? digits)?
// On success stores the correctly rounded float32 in *out and returns the
// end of the number; returns nullptr when it declines (any other syntax,
// leading zeros, more than 19 digits, a large exponent, a subnormal or
// overflowing result, a rounding midpoint). std::from_chars gives the same
// value whenever this succeeds. Reads nothing at or past end.
const char* ParseFloatFast(const char* p, const char* end, float* out);

// Parses "[f,f,...]" (whitespace allowed around elements) into *out,
// replacing its contents. Returns false for anything else (other spellings
// such as "+1" or ".5", an empty vector) and for any element that is not a
// finite float32, so that the caller can hand the cell to the general parser
// (RowBuilder::SetText), which accepts the other spellings and words the
// errors. Elements the kernel cannot prove go through ParseFloat, the
// general parser's own reader, so both paths agree on every value.
bool ParseBracketedVector(std::string_view text, FloatVector* out);

}  // namespace tributary::csv
