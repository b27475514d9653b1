// Fast, correctly rounded reading of the float32 numbers that vectors are
// written as: "[0.0123,-0.456,...]" in CSV cells and JSON arrays, 768 or
// more of them per record.
//
// The per-number kernel finds where a number ends, and where its point is,
// with one 16-byte SIMD compare (SSE2, which every x86-64 machine has), so
// that the next number's position waits on one load, one compare and one
// bit scan rather than a loop over bytes. The digits (up to 15) become an
// integer with one byte shuffle and three multiply-adds where the processor
// has SSSE3 (checked once at run time; the code is compiled for it with a
// function attribute, the rest of the program stays baseline x86-64), or
// with 8-byte multiply-shift steps otherwise; other machines read a byte at
// a time. The value is proved correctly rounded or declined (Clinger's fast
// path, adapted to float32): when the digits form an integer w <= 2^53 and
// the exponent e has |e| <= 22, w and 10^|e| are exact doubles, so one IEEE
// multiplication or division gives the correctly rounded double d of the
// decimal. Narrowing d to float rounds the decimal correctly too, unless d
// lies exactly halfway between two floats; that case, subnormal results and
// overflow are declined, and the array parser hands such numbers to
// ParseFloat (core/numbers.h), the general reader, so both paths give the
// same value.
//
// Arrays have a third kernel where the processor has AVX-512 (F, BW, VL,
// DQ, VBMI, VBMI2) and BMI2, checked once at run time like SSSE3: it reads
// 128 bytes at a time and finds the terminators (',' and ']') of up to
// eight elements with byte compares, so that the next step's position
// waits on one load, the compares and a few bit operations. Each element
// of the plain shape '-'? d+ '.' d+ (at most 15 digits, no leading zero)
// has its digits gathered into a 16-byte lane by one byte permute, made an
// integer by multiply-adds and then a float by the same product and
// midpoint check as the per-number kernel (whose range check these shapes
// always pass), eight lanes at once, so the values are the same bit for
// bit. Once an array shows whitespace right after its terminators, it is
// compressed out of each window first. A step stops at the first element
// it cannot prove (exponents, long mantissas, near-midpoints, other
// whitespace, anything malformed), which the per-number kernel then takes;
// runs of such elements stay with it for a while.
//
// The grammar is JSON's: '-'? digits ('.' digits)? ([eE] [+-]? digits)?,
// with no leading zeros ("01"). Anything else ('+', ".5", "1.", NaN) is
// declined, and the caller's general parser decides.
//
// Reads: bytes in [p, end) may be part of the text; bytes in [end,
// readable_end) may be read (for the 16-byte compare and the 128-byte
// window) but never count as part of a number. Nothing at or past
// readable_end is read (the window's load is masked there).
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <vector>

#include "tributary/core/float_vector.h"

namespace tributary {

// Parses one number at p. On success stores the correctly rounded float32
// in *out and returns the end of the number; returns nullptr when it
// declines (see above). When it answers, std::from_chars gives the same
// value and the same end.
const char* ParseFloatPrefix(const char* p, const char* end, const char* readable_end, float* out);

// Parses the array "[n, n, ...]" starting at p ('[') into *out (replacing
// its contents), with JSON whitespace around elements, and returns the byte
// after its ']'. Returns nullptr, with *out unspecified, for anything else:
// other syntax, or an element that is not a finite float32 (overflow,
// non-finite words), leaving the caller's general path to accept it or word
// the error. Every element has ParseFloat's value.
const char* ParseFloatArray(const char* p, const char* end, const char* readable_end,
                            FloatVector* out);

namespace float_parse_internal {

// The portable kernel, which the functions above use on machines without
// SSSE3; exposed so that tests cover it on every machine.
const char* ParseFloatPrefixBaseline(const char* p, const char* end, const char* readable_end,
                                     float* out);
const char* ParseFloatArrayBaseline(const char* p, const char* end, const char* readable_end,
                                    FloatVector* out);

// The array kernels this machine may choose, each callable for tests and
// benchmarks; one whose instructions the processor lacks (see
// Ssse3KernelSupported, Avx512KernelSupported) runs the next simpler one.
const char* ParseFloatArraySsse3(const char* p, const char* end, const char* readable_end,
                                 FloatVector* out);
const char* ParseFloatArrayAvx512(const char* p, const char* end, const char* readable_end,
                                  FloatVector* out);
bool Ssse3KernelSupported();
bool Avx512KernelSupported();

}  // namespace float_parse_internal

}  // namespace tributary
