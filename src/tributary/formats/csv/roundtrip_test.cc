// Property test: CsvReader reads back exactly what CsvWriter wrote, for
// random records full of the things CSV gets wrong (quotes, delimiters, line
// breaks of every kind, 4-byte characters, "" vs null, extreme floats).
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/formats/csv/test_support.h"

namespace tributary::csv {
namespace {

using testing::DiffRows;
using testing::ReadAllText;
using testing::WriteAll;

class RecordGenerator {
 public:
  explicit RecordGenerator(uint64_t seed) : rng_(seed) {}

  void AppendRecord(RecordBatch* b, int64_t row) {
    for (Field f : AllFields()) {
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
          if (Chance(10)) b->strings(f).AppendNull(); else b->strings(f).Append(Text());
          break;
        case FieldType::kJsonObject:
          if (Chance(20)) b->metadata.AppendNull(); else b->metadata.Append(Metadata());
          break;
        case FieldType::kVector:
          if (Chance(10)) b->values.AppendNull(); else b->values.Append(Vector());
          break;
        case FieldType::kInt64:
          if (Chance(10)) b->ints(f).AppendNull(); else b->ints(f).Append(Int());
          break;
        case FieldType::kTimestamp:
          if (Chance(10)) b->ints(f).AppendNull(); else b->ints(f).Append(Timestamp());
          break;
      }
    }
    b->origin.push_back({row, 0});
  }

 private:
  bool Chance(int percent) { return Uniform(100) < static_cast<uint64_t>(percent); }
  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  std::string Text() {
    static const char* const kPieces[] = {
        "a",  "Z",  "0",  " ",  ",",   "\t", "\"", "\"\"", "\r",  "\n", "\r\n", "\n\r",
        ";",  "|",  "[",  "]",  "{",   "}",  "\\", "'",    "é",   "€",  "😀",   "𝄞",
        "中文", "null", "\x01", "x y", "NaN", "-",  ".",  ":",    "\xEF\xBB\xBF"};
    if (Chance(10)) return "";
    std::string s;
    const uint64_t n = 1 + Uniform(12);
    for (uint64_t i = 0; i < n; ++i) {
      if (Chance(3)) {
        s.push_back('\0');
      } else {
        s += kPieces[Uniform(std::size(kPieces))];
      }
    }
    return s;
  }

  float Float() {
    static const float kSpecial[] = {
        0.0f, -0.0f, std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
        std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
        std::numeric_limits<float>::min(), 1e-40f, 0.1f, -0.3f, 1.0f / 3.0f, 16777216.0f, 1e10f};
    if (Chance(30)) return kSpecial[Uniform(std::size(kSpecial))];
    if (Chance(30)) return static_cast<float>(static_cast<int64_t>(Uniform(2001)) - 1000) / 1000.0f;
    for (;;) {
      float f = std::bit_cast<float>(static_cast<uint32_t>(rng_()));
      if (std::isfinite(f)) return f;
    }
  }

  std::vector<float> Vector() {
    std::vector<float> v(Chance(5) ? 0 : 1 + Uniform(24));
    for (float& f : v) f = Float();
    return v;
  }

  int64_t Int() {
    if (Chance(50)) return static_cast<int64_t>(Uniform(100));
    if (Chance(10)) return Chance(50) ? std::numeric_limits<int64_t>::min()
                                      : std::numeric_limits<int64_t>::max();
    return static_cast<int64_t>(rng_());
  }

  int64_t Timestamp() {
    // Years 0001 to 9999, at whole seconds, milliseconds or microseconds.
    const int64_t lo = -62135596800000000, hi = 253402300799999999;
    int64_t t = lo + static_cast<int64_t>(Uniform(static_cast<uint64_t>(hi - lo)));
    switch (Uniform(3)) {
      case 0: return t - ((t % 1000000) + 1000000) % 1000000;
      case 1: return t - ((t % 1000) + 1000) % 1000;
      default: return t;
    }
  }

  JsonValue Json(int depth) {
    switch (Uniform(depth > 2 ? 5 : 7)) {
      case 0: return JsonValue::String(Text());
      case 1: return JsonValue::Int(static_cast<int64_t>(rng_()) >> Uniform(64));
      case 2: return JsonValue::Bool(Chance(50));
      case 3: return JsonValue::Null();
      case 4: {
        // Canonical JSON (core/json.cc) does not survive a second pass for
        // -0 (reparsed as the integer 0) or for doubles it prints as integers
        // wider than 64 bits; keep to numbers it handles.
        double d = Float();
        if (!(std::fabs(d) < 1e15) || (d == 0 && std::signbit(d))) d = 0.5;
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
        return JsonValue::NumberFromText(std::string(buf, res.ptr), d);
      }
      case 5: {
        std::vector<JsonValue> items(Uniform(4));
        for (JsonValue& item : items) item = Json(depth + 1);
        return JsonValue::Array(std::move(items));
      }
      default: return Object(depth + 1);
    }
  }

  JsonValue Object(int depth) {
    std::vector<JsonValue::Member> members;
    const uint64_t n = Uniform(5);
    for (uint64_t i = 0; i < n; ++i) members.emplace_back(Text() + std::to_string(i), Json(depth));
    return JsonValue::Object(std::move(members));
  }

  // The reader stores metadata in canonical compact form; so must we.
  std::string Metadata() {
    std::string text = Object(0).ToString();
    std::string canonical;
    Status st = CanonicalizeJsonObject(text, &canonical);
    EXPECT_TRUE(st.ok()) << st.ToString() << " in " << text;
    return canonical;
  }

  std::mt19937_64 rng_;
};

class CsvRandomRoundTripTest : public ::testing::TestWithParam<char> {};

TEST_P(CsvRandomRoundTripTest, RandomRecords) {
  const char delimiter = GetParam();
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RecordGenerator gen(seed * 1000 + static_cast<unsigned char>(delimiter));
    std::mt19937_64 rng(seed);
    std::vector<RecordBatch> batches(1 + rng() % 8);
    RecordBatch expected;
    int64_t row = 0;
    for (RecordBatch& b : batches) {
      const size_t n = rng() % 120;
      for (size_t i = 0; i < n; ++i) gen.AppendRecord(&b, ++row);
      for (size_t i = 0; i < b.num_rows(); ++i) expected.AppendRowFrom(b, i);
    }
    std::vector<const RecordBatch*> ptrs;
    for (const RecordBatch& b : batches) ptrs.push_back(&b);
    Status write_status;
    const std::string text = WriteAll(ptrs, delimiter, &write_status);
    ASSERT_TRUE(write_status.ok()) << write_status.ToString();

    ReadOptions options;
    options.delimiter = delimiter;
    options.batch_rows = 1 + rng() % 50;
    options.decode_threads = 1 + static_cast<int>(seed % 3);
    const size_t steps[] = {0, 1, 7, 4096};
    auto r = ReadAllText(text, options, ',', steps[seed % 4]);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    ASSERT_TRUE(r.errors.empty()) << "row " << r.errors[0].origin.row << ": "
                                  << r.errors[0].message << "\n" << r.errors[0].raw;
    EXPECT_EQ(DiffRows(expected, r.rows), "");
    for (size_t i = 0; i < r.rows.num_rows(); ++i) {
      ASSERT_EQ(r.rows.origin[i].row, static_cast<int64_t>(i + 1));
    }
    // Writing what was read gives the same bytes.
    EXPECT_EQ(WriteAll(r.rows, delimiter), text);
  }
}

INSTANTIATE_TEST_SUITE_P(Csv, CsvRandomRoundTripTest, ::testing::Values(',', '\t', ';', '|'),
                         [](const ::testing::TestParamInfo<char>& info) {
                           switch (info.param) {
                             case ',': return std::string("Comma");
                             case '\t': return std::string("Tab");
                             case ';': return std::string("Semicolon");
                             default: return std::string("Pipe");
                           }
                         });

TEST(CsvRoundTripTest, ExtremeFloatsKeepTheirBits) {
  const std::vector<float> v = {
      1e-45f, -1e-45f, 3.4028235e38f, -3.4028235e38f, -0.0f, 0.0f, 1.17549435e-38f,
      1.1754942e-38f, 0.1f, 0.2f, 0.3f, 1.0f / 3.0f, 16777217.0f, 123456.789f, 1e-7f, 9.999999e9f};
  RecordBatch b;
  b.AppendNullRow({1, 0});
  b.values.PopBack();
  b.values.Append(v);
  for (char d : {',', '\t'}) {
    std::string text = WriteAll(b, d);
    ReadOptions options;
    options.delimiter = d;
    auto r = ReadAllText(text, options);
    ASSERT_EQ(r.rows.num_rows(), 1u);
    EXPECT_EQ(DiffRows(b, r.rows), "");
  }
  std::string text = WriteAll(b);
  EXPECT_NE(text.find("\"[1e-45,-1e-45,3.4028235e+38,-3.4028235e+38,-0,0,"), std::string::npos)
      << text;
}

TEST(CsvRoundTripTest, DecimalTextRoundsToNearestFloat) {
  // 1 + 2^-24 lies halfway between 1 and the next float: ties go to even.
  auto r = ReadAllText(
      "id,values\na,\"[1.000000059604644775390625,16777217,0.1,3.4028235e38]\"\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.num_rows(), 1u);
  auto v = r.rows.values.Get(0);
  EXPECT_EQ(std::bit_cast<uint32_t>(v[0]), std::bit_cast<uint32_t>(1.0f));
  EXPECT_EQ(v[1], 16777216.0f);
  EXPECT_EQ(std::bit_cast<uint32_t>(v[2]), std::bit_cast<uint32_t>(0.1f));
  EXPECT_EQ(v[3], std::numeric_limits<float>::max());
}

}  // namespace
}  // namespace tributary::csv
