// Speed of the two number kernels text formats spend their time in: the
// shortest float32 writer (core/shortest_float.h) and the vector-cell float
// reader (core/float_parse.h), per float, on embedding-like values and on
// random bit patterns.
#include <benchmark/benchmark.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tributary/core/float_parse.h"
#include "tributary/core/numbers.h"
#include "tributary/core/shortest_float.h"
#include "tributary/core/shortest_float_internal.h"
#include "tributary/formats/csv/vector_text.h"

namespace tributary {
namespace {

// What bench/gen.mjs writes: uniform in (-1, 1), 9 significant digits,
// rounded to float32.
std::vector<float> BenchLikeFloats(size_t n) {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<float> v(n);
  for (float& f : v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.9g", uniform(rng));
    f = std::strtof(buf, nullptr);
  }
  return v;
}

// Every finite float32 is equally likely: all exponents, subnormals included.
std::vector<float> RandomBitFloats(size_t n) {
  std::mt19937 rng(777);
  std::vector<float> v;
  v.reserve(n);
  while (v.size() < n) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (std::isfinite(f)) v.push_back(f);
  }
  return v;
}

void RunFormat(benchmark::State& state, const std::vector<float>& values) {
  std::vector<char> out(values.size() * (kFloatTextBuffer + 1));
  for (auto _ : state) {
    char* p = out.data();
    for (float f : values) {
      p += FormatShortestFloat(f, p);
      *p++ = ',';
    }
    benchmark::DoNotOptimize(p);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values.size()));
}

void BM_FormatShortestFloat_BenchLike(benchmark::State& state) {
  static const std::vector<float> values = BenchLikeFloats(1 << 16);
  RunFormat(state, values);
}
BENCHMARK(BM_FormatShortestFloat_BenchLike);

void BM_FormatShortestFloat_RandomBits(benchmark::State& state) {
  static const std::vector<float> values = RandomBitFloats(1 << 16);
  RunFormat(state, values);
}
BENCHMARK(BM_FormatShortestFloat_RandomBits);

// The whole-vector writer the text exports use, in vectors of 768 as an
// embedding column has them: FormatFloatList (whichever writer the CPU
// runs), and its scalar and AVX-512 writers side by side.
using ListWriter = char* (*)(std::span<const float>, char*);

void RunFormatList(benchmark::State& state, const std::vector<float>& values, ListWriter writer) {
  std::vector<char> out(values.size() * (kMaxFloatChars + 1));
  for (auto _ : state) {
    char* p = out.data();
    for (size_t i = 0; i + 768 <= values.size(); i += 768) {
      p = writer(std::span<const float>(values.data() + i, 768), p);
    }
    benchmark::DoNotOptimize(p);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (values.size() / 768 * 768)));
}

const std::vector<float>& BenchLike() {
  static const std::vector<float> values = BenchLikeFloats(1 << 16);
  return values;
}
const std::vector<float>& RandomBits() {
  static const std::vector<float> values = RandomBitFloats(1 << 16);
  return values;
}

void BM_FormatFloatList_BenchLike(benchmark::State& state) {
  RunFormatList(state, BenchLike(), FormatFloatList);
}
BENCHMARK(BM_FormatFloatList_BenchLike);

void BM_FormatFloatList_Scalar_BenchLike(benchmark::State& state) {
  RunFormatList(state, BenchLike(), shortest_float_internal::FormatFloatListScalar);
}
BENCHMARK(BM_FormatFloatList_Scalar_BenchLike);

void BM_FormatFloatList_Scalar_RandomBits(benchmark::State& state) {
  RunFormatList(state, RandomBits(), shortest_float_internal::FormatFloatListScalar);
}
BENCHMARK(BM_FormatFloatList_Scalar_RandomBits);

void BM_FormatFloatList_Avx512_BenchLike(benchmark::State& state) {
  if (!shortest_float_internal::Avx512FloatListSupported()) {
    state.SkipWithError("this CPU lacks AVX-512");
    return;
  }
  RunFormatList(state, BenchLike(), shortest_float_internal::FormatFloatListAvx512);
}
BENCHMARK(BM_FormatFloatList_Avx512_BenchLike);

void BM_FormatFloatList_Avx512_RandomBits(benchmark::State& state) {
  if (!shortest_float_internal::Avx512FloatListSupported()) {
    state.SkipWithError("this CPU lacks AVX-512");
    return;
  }
  RunFormatList(state, RandomBits(), shortest_float_internal::FormatFloatListAvx512);
}
BENCHMARK(BM_FormatFloatList_Avx512_RandomBits);

// A vector cell of 768 values as CSV carries it, "[v,v,...]".
std::vector<std::string> Cells(const std::vector<float>& values, bool shortest) {
  std::vector<std::string> cells;
  for (size_t i = 0; i + 768 <= values.size(); i += 768) {
    std::string cell = "[";
    for (size_t j = 0; j < 768; ++j) {
      char buf[32];
      size_t n;
      if (shortest) {
        n = FormatShortestFloat(values[i + j], buf);
      } else {
        n = static_cast<size_t>(
            std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(values[i + j])));
      }
      if (j > 0) cell.push_back(',');
      cell.append(buf, n);
    }
    cell.push_back(']');
    cells.push_back(std::move(cell));
  }
  return cells;
}

void RunParse(benchmark::State& state, const std::vector<std::string>& cells) {
  FloatVector out;
  size_t floats = 0;
  for (auto _ : state) {
    for (const std::string& cell : cells) {
      if (!csv::ParseBracketedVector(cell, &out)) state.SkipWithError("parse failed");
      floats += out.size();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(floats));
}

void BM_ParseVector_BenchLike(benchmark::State& state) {
  static const std::vector<std::string> cells = Cells(BenchLikeFloats(768 * 64), true);
  RunParse(state, cells);
}
BENCHMARK(BM_ParseVector_BenchLike);

void BM_ParseVector_Precision9(benchmark::State& state) {
  static const std::vector<std::string> cells = Cells(BenchLikeFloats(768 * 64), false);
  RunParse(state, cells);
}
BENCHMARK(BM_ParseVector_Precision9);

void BM_ParseVector_RandomBits(benchmark::State& state) {
  static const std::vector<std::string> cells = Cells(RandomBitFloats(768 * 64), true);
  RunParse(state, cells);
}
BENCHMARK(BM_ParseVector_RandomBits);

// Each array kernel of core/float_parse on its own, whichever the machine
// would choose: ns per float is 1e9 / items_per_second.
using ArrayKernel = const char* (*)(const char*, const char*, const char*, FloatVector*);

void RunKernel(benchmark::State& state, ArrayKernel kernel, bool supported,
               const std::vector<std::string>& cells) {
  if (!supported) {
    state.SkipWithError("this processor lacks the kernel's instructions");
    return;
  }
  FloatVector out;
  size_t floats = 0;
  for (auto _ : state) {
    for (const std::string& cell : cells) {
      const char* end = cell.data() + cell.size();
      if (kernel(cell.data(), end, end, &out) != end) state.SkipWithError("parse failed");
      floats += out.size();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(floats));
}

const std::vector<std::string>& KernelCells(int kind) {
  static const std::vector<std::string> bench_like = Cells(BenchLikeFloats(768 * 64), true);
  static const std::vector<std::string> precision9 = Cells(BenchLikeFloats(768 * 64), false);
  static const std::vector<std::string> random_bits = Cells(RandomBitFloats(768 * 64), true);
  return kind == 0 ? bench_like : kind == 1 ? precision9 : random_bits;
}

void BM_ParseKernel_Baseline(benchmark::State& state) {
  RunKernel(state, float_parse_internal::ParseFloatArrayBaseline, true,
            KernelCells(static_cast<int>(state.range(0))));
}
void BM_ParseKernel_Ssse3(benchmark::State& state) {
  RunKernel(state, float_parse_internal::ParseFloatArraySsse3,
            float_parse_internal::Ssse3KernelSupported(),
            KernelCells(static_cast<int>(state.range(0))));
}
void BM_ParseKernel_Avx512(benchmark::State& state) {
  RunKernel(state, float_parse_internal::ParseFloatArrayAvx512,
            float_parse_internal::Avx512KernelSupported(),
            KernelCells(static_cast<int>(state.range(0))));
}
// Argument: 0 bench-like (shortest form), 1 Precision9 ("%.9g"), 2 random bits.
BENCHMARK(BM_ParseKernel_Baseline)->DenseRange(0, 2);
BENCHMARK(BM_ParseKernel_Ssse3)->DenseRange(0, 2);
BENCHMARK(BM_ParseKernel_Avx512)->DenseRange(0, 2);

}  // namespace
}  // namespace tributary
