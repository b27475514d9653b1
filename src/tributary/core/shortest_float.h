// Shortest round-trip text for float32, fast.
//
// FormatShortestFloat writes the decimal with the fewest significant digits
// that reads back (with correct rounding) to the same float; among those of
// that length, the one closest to the exact value. The layout is the one
// std::to_chars(char*, char*, float) produces: plain notation ("0.001",
// "12345") or scientific ("1e-07", "1.5e+10"), whichever is shorter, plain
// on a tie; a scientific exponent has at least two digits. The output is
// byte-for-byte that of std::to_chars, which the tests check.
//
// The digits come from the Schubfach method (R. Giulietti, "The Schubfach
// way to render doubles", 2020), specialised to float32: one 64x64->128-bit
// multiplication per interval bound, with tables (63-bit powers of ten; per
// binary exponent the decimal exponent, shift and multiplier) computed at
// compile time. The candidate is chosen with arithmetic rather than branches
// (for the 8- and 9-digit values of embeddings the choice is a coin flip), and
// the digits are made in one SWAR register, their trailing zeros found with
// one bit count. It is several times faster than std::to_chars for float,
// which matters because formatting floats is most of the cost of writing
// vectors as text; FormatFloatList (core/numbers.h) writes whole vectors.
//
// Thread-safety: reentrant; the table is immutable after static
// initialisation.
#pragma once

#include <cstddef>

namespace tributary {

// The longest text is 15 characters ("-1.17549435e-38"), but the writer
// copies in fixed-size pieces and may touch up to this many bytes of buf.
inline constexpr size_t kFloatTextBuffer = 24;

// REQUIRES: v is finite; buf has kFloatTextBuffer writable bytes.
// Returns the length of the text (no terminating NUL); bytes after it are
// unspecified.
size_t FormatShortestFloat(float v, char* buf);

}  // namespace tributary
