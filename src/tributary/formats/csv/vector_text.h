// Fast parsing of the vector cells CSV files are mostly made of:
// "[0.0123,-0.456,...]", 768 or more numbers per record.
//
// ParseFloatFast handles the plain decimals that shortest-form writers
// produce and proves its result correct; for anything it cannot prove it
// declines and the caller uses std::from_chars. The argument (Clinger's fast
// path, adapted to float32): when the decimal's digits form an integer
// w <= 2^53 and its exponent e satisfies |e| <= 22, w and 10^|e| are exact
// doubles, so one IEEE multiplication or division gives d, the correctly
// rounded double of the decimal. Narrowing d to float rounds the decimal
// correctly too, unless d lies exactly halfway between two floats (the
// decimal may then lie on either side, or on the midpoint itself); that case,
// subnormal results and overflow are declined.
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <string_view>
#include <vector>

namespace tributary::csv {

// Parses one number at [p, end): '-'? digits ('.' digits)? ([eE] [+-]? digits)?
// On success stores the correctly rounded float32 in *out and returns the
// end of the number; returns nullptr when it declines (any other syntax,
// too many digits, a large exponent, a subnormal or overflowing result, a
// rounding midpoint). std::from_chars gives the same value whenever this
// succeeds.
const char* ParseFloatFast(const char* p, const char* end, float* out);

// Parses "[f,f,...]" (spaces allowed around elements) into *out, replacing
// its contents. Returns false for anything else, and for any element that is
// not a finite normal-range float32, so that the caller can hand the cell to
// the general parser (RowBuilder::SetText), which accepts the other
// spellings and words the errors. Both paths agree on every value they both
// accept.
bool ParseBracketedVector(std::string_view text, std::vector<float>* out);

}  // namespace tributary::csv
