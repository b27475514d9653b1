// JSON/JSONL writers: exact output, and write -> read round trips over random
// records that must come back bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/formats/format.h"
#include "tributary/formats/json/json_reader.h"
#include "tributary/formats/json/json_test_util.h"
#include "tributary/io/stream.h"

namespace tributary::json_internal {
namespace {

using testing::ExpectSameRows;
using testing::ReadAll;

enum class Kind { kJsonl, kJson };

std::string WriteAll(Kind kind, const std::vector<const RecordBatch*>& batches) {
  std::string sink;
  auto out = MemoryOutput(&sink);
  auto writer = kind == Kind::kJsonl ? internal::OpenJsonlWriter(out.get(), {})
                                     : internal::OpenJsonWriter(out.get(), {});
  EXPECT_TRUE(writer.ok());
  for (const RecordBatch* b : batches) EXPECT_TRUE((*writer)->Write(*b).ok());
  EXPECT_TRUE((*writer)->Finish().ok());
  EXPECT_TRUE(out->Close().ok());
  return sink;
}

Framing FramingOf(Kind kind) { return kind == Kind::kJsonl ? Framing::kLines : Framing::kArray; }

TEST(JsonWriterTest, JsonlExactOutput) {
  RecordBatch b;
  b.id.Append("a");
  b.document_id.Append("doc");
  b.values.Append(std::vector<float>{0.1f, -0.0f, 1e-45f, 3.4028235e38f});
  b.content.Append("line\n\"q\"\\");
  b.metadata.Append(R"({"k":[1,{"x":null}]})");
  b.chunk_id.AppendNull();
  b.content_hash.Append("");
  b.content_type.AppendNull();
  b.language.Append("en");
  b.chunk_index.Append(0);
  b.chunk_count.AppendNull();
  b.model.AppendNull();
  b.created_at.Append(1704067200000000);
  b.updated_at.AppendNull();
  b.origin.push_back({1, 1});
  b.AppendNullRow({2, 2});

  const std::string first =
      R"({"id":"a","document_id":"doc","values":[0.1,-0,1e-45,3.4028235e+38],"content":"line\n\"q\"\\",)"
      R"("metadata":{"k":[1,{"x":null}]},"chunk_id":null,"content_hash":"","content_type":null,"language":"en",)"
      R"("chunk_index":0,"chunk_count":null,"model":null,"created_at":"2024-01-01T00:00:00Z","updated_at":null})";
  const std::string second =
      R"({"id":null,"document_id":null,"values":null,"content":null,"metadata":null,"chunk_id":null,)"
      R"("content_hash":null,"content_type":null,"language":null,"chunk_index":null,"chunk_count":null,)"
      R"("model":null,"created_at":null,"updated_at":null})";
  EXPECT_EQ(WriteAll(Kind::kJsonl, {&b}), first + "\n" + second + "\n");
  EXPECT_EQ(WriteAll(Kind::kJson, {&b}), "[\n" + first + ",\n" + second + "\n]\n");
  // Batches continue one document.
  EXPECT_EQ(WriteAll(Kind::kJson, {&b, &b}),
            "[\n" + first + ",\n" + second + ",\n" + first + ",\n" + second + "\n]\n");
}

TEST(JsonWriterTest, EmptyOutputs) {
  RecordBatch empty;
  EXPECT_EQ(WriteAll(Kind::kJson, {}), "[]\n");
  EXPECT_EQ(WriteAll(Kind::kJson, {&empty}), "[]\n");
  EXPECT_EQ(WriteAll(Kind::kJsonl, {&empty}), "");
  // Both read back as no records.
  EXPECT_EQ(ReadAll(Framing::kArray, "[]\n").rows.num_rows(), 0u);
}

TEST(JsonWriterTest, FinishTwiceIsRefused) {
  std::string sink;
  auto out = MemoryOutput(&sink);
  auto writer = internal::OpenJsonWriter(out.get(), {});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  EXPECT_FALSE((*writer)->Finish().ok());
  RecordBatch b;
  EXPECT_FALSE((*writer)->Write(b).ok());
}

// A stream that records every Write, to check the writer's chunking.
class CountingOutput : public OutputStream {
 public:
  Status Write(std::string_view data) override {
    writes.push_back(data.size());
    bytes += data;
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t bytes_written() const override { return bytes.size(); }
  std::string sha256_hex() const override { return {}; }
  std::vector<size_t> writes;
  std::string bytes;
};

TEST(JsonWriterTest, WritesInChunksAndNeverCloses) {
  RecordBatch b;
  for (int i = 0; i < 2000; ++i) {
    b.AppendNullRow({i + 1, i + 1});
    b.values.PopBack();
    b.values.Append(std::vector<float>(200, 0.123456f));
  }
  CountingOutput out;
  auto writer = internal::OpenJsonlWriter(&out, {});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write(b).ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  ASSERT_GE(out.writes.size(), 2u);
  for (size_t i = 0; i + 1 < out.writes.size(); ++i) {
    // Not small (a flush of at least 1 MiB, or a thread's part of a slice of
    // at least 256 KiB), and bounded by the encoder's slice (about 4 MiB of
    // text) whatever the batch size.
    EXPECT_GE(out.writes[i], size_t{256} << 10);
    EXPECT_LE(out.writes[i], size_t{8} << 20);
  }
  auto r = ReadAll(Framing::kLines, out.bytes);
  EXPECT_EQ(r.rows.num_rows(), 2000u);
}

TEST(JsonWriterTest, LargeBatchesGiveTheSameBytesOnAnyThreadCount) {
  // Several slices and flushes per batch, several batches: the array must
  // open once and the output must not depend on the number of threads.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<RecordBatch> batches(3);
  int64_t row = 0;
  for (RecordBatch& b : batches) {
    for (int i = 0; i < 1500; ++i) {
      ++row;
      b.AppendNullRow({row, row});
      b.id.PopBack();
      b.id.Append("id" + std::to_string(row));
      b.values.PopBack();
      std::vector<float> v(300);
      for (float& x : v) x = u(rng);
      b.values.Append(v);
    }
  }
  for (Kind kind : {Kind::kJsonl, Kind::kJson}) {
    std::string outputs[2];
    for (int t = 0; t < 2; ++t) {
      WriteOptions wo;
      wo.encode_threads = t == 0 ? 1 : 4;
      auto out = MemoryOutput(&outputs[t]);
      auto writer = kind == Kind::kJsonl ? internal::OpenJsonlWriter(out.get(), wo)
                                         : internal::OpenJsonWriter(out.get(), wo);
      ASSERT_TRUE(writer.ok());
      for (const RecordBatch& b : batches) ASSERT_TRUE((*writer)->Write(b).ok());
      ASSERT_TRUE((*writer)->Finish().ok());
      ASSERT_TRUE(out->Close().ok());
    }
    EXPECT_EQ(outputs[0], outputs[1]);
    auto r = ReadAll(FramingOf(kind), outputs[1]);
    ASSERT_EQ(r.rows.num_rows(), 4500u);
    EXPECT_EQ(r.rows.id.Get(4499), "id4500");
    if (kind == Kind::kJson) {
      EXPECT_EQ(outputs[1].substr(0, 3), "[\n{");
    }
  }
}

// ---------------------------------------------------------------- round trip

class RandomRecords {
 public:
  explicit RandomRecords(uint64_t seed) : rng_(seed) {}

  RecordBatch Make(size_t rows) {
    RecordBatch b;
    for (size_t r = 0; r < rows; ++r) {
      for (Field f : AllFields()) {
        const bool null = Chance(0.15);
        switch (FieldTypeOf(f)) {
          case FieldType::kString:
            if (null) b.strings(f).AppendNull(); else b.strings(f).Append(String());
            break;
          case FieldType::kJsonObject:
            if (null) b.strings(f).AppendNull(); else b.strings(f).Append(Metadata());
            break;
          case FieldType::kInt64:
            if (null) b.ints(f).AppendNull(); else b.ints(f).Append(Int());
            break;
          case FieldType::kTimestamp:
            if (null) {
              b.ints(f).AppendNull();
            } else {
              // 1677..2262, microsecond precision.
              b.ints(f).Append(static_cast<int64_t>(rng_() % 18'000'000'000'000'000ull) -
                               9'000'000'000'000'000);
            }
            break;
          case FieldType::kVector:
            if (null) b.values.AppendNull(); else b.values.Append(Vector());
            break;
        }
      }
      b.origin.push_back({static_cast<int64_t>(r + 1), 0});
    }
    return b;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  size_t Below(size_t n) { return static_cast<size_t>(rng_() % n); }

  std::string String() {
    static const char* kPieces[] = {
        "a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\t", "\b", "\f", "/", "\x01", "\x1f", "\x7f",
        "<NUL>", "[", "]", "{", "}", ",", ":", "\xC3\xA9", "\xE2\x82\xAC",
        "\xE2\x80\xA8", "\xF0\x9F\x98\x80", "\xF0\x9D\x84\x9E", "\xEF\xBB\xBF", "null", "\\u0041", "'",
    };
    constexpr size_t kCount = sizeof(kPieces) / sizeof(kPieces[0]);
    std::string s;
    if (Chance(0.1)) return s;  // empty, not null
    size_t n = Below(12);
    for (size_t i = 0; i < n; ++i) {
      std::string_view piece = kPieces[Below(kCount)];
      if (piece == "<NUL>") s.push_back('\0'); else s += piece;
    }
    return s;
  }

  int64_t Int() {
    switch (Below(4)) {
      case 0: return std::numeric_limits<int64_t>::min();
      case 1: return std::numeric_limits<int64_t>::max();
      case 2: return static_cast<int64_t>(Below(100));
      default: return static_cast<int64_t>(rng_());
    }
  }

  float Float() {
    static const float kSpecial[] = {0.0f, -0.0f, 1e-45f, -1e-45f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                                     3.4028235e38f, 0.1f, 1.0f, 16777217.0f, 1.17549421e-38f, 7e-45f};
    if (Chance(0.2)) return kSpecial[Below(sizeof(kSpecial) / sizeof(kSpecial[0]))];
    for (;;) {
      float f = std::bit_cast<float>(static_cast<uint32_t>(rng_()));
      if (std::isfinite(f)) return f;
    }
  }

  std::vector<float> Vector() {
    std::vector<float> v(Chance(0.1) ? 0 : Below(40));
    for (float& f : v) f = Float();
    return v;
  }

  JsonValue Value(int depth) {
    switch (Below(depth > 3 ? 5 : 7)) {
      case 0: return JsonValue::Null();
      case 1: return JsonValue::Bool(Chance(0.5));
      case 2: return JsonValue::Int(Int());
      case 3: {
        // JsonValue writes integral doubles past 2^64 as plain digits, which
        // simdjson (and so JsonValue::Parse) refuses; keep to what parses.
        for (;;) {
          double d = std::bit_cast<double>(rng_());
          if (!std::isfinite(d)) continue;
          JsonValue v = JsonValue::Number(d);
          if (JsonValue::Parse(v.ToString()).ok()) return v;
        }
      }
      case 4: return JsonValue::String(String());
      case 5: {
        std::vector<JsonValue> items(Below(4));
        for (auto& v : items) v = Value(depth + 1);
        return JsonValue::Array(std::move(items));
      }
      default: return Object(depth + 1);
    }
  }

  JsonValue Object(int depth) {
    std::vector<JsonValue::Member> members(Below(5));
    for (auto& [k, v] : members) {
      k = String();
      v = Value(depth + 1);
    }
    return JsonValue::Object(std::move(members));
  }

  // Canonical text, as a reader would produce it.
  std::string Metadata() {
    auto parsed = JsonValue::Parse(Object(0).ToString());
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return parsed->ToString();
  }

  std::mt19937_64 rng_;
};

class JsonRoundTripTest : public ::testing::TestWithParam<Kind> {};

TEST_P(JsonRoundTripTest, RandomRecordsComeBackBitForBit) {
  const Kind kind = GetParam();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomRecords gen(seed);
    RecordBatch a = gen.Make(60), b = gen.Make(45);
    const std::string text = WriteAll(kind, {&a, &b});

    RecordBatch expected;
    for (const RecordBatch* src : {&a, &b}) {
      for (size_t i = 0; i < src->num_rows(); ++i) expected.AppendRowFrom(*src, i);
    }
    for (size_t i = 0; i < expected.num_rows(); ++i) {
      const int64_t row = static_cast<int64_t>(i) + 1;
      // JSON puts "[" on line 1, so record n is on line n + 1.
      expected.origin[i] = {row, kind == Kind::kJsonl ? row : row + 1};
    }

    for (size_t block : {kDefaultBlockBytes, size_t{4096}, size_t{7}}) {
      SCOPED_TRACE("block " + std::to_string(block));
      ReadOptions options;
      options.batch_rows = 60;
      auto r = ReadAll(FramingOf(kind), text, options, block);
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ASSERT_TRUE(r.errors.empty()) << r.errors[0].message << "\n" << r.errors[0].raw;
      // Same batches as written.
      EXPECT_EQ(r.batch_sizes, (std::vector<size_t>{60, 45}));
      ExpectSameRows(r.rows, expected);
      if (::testing::Test::HasFailure()) return;
    }
    // Writing what was read gives the same bytes.
    auto r = ReadAll(FramingOf(kind), text);
    EXPECT_EQ(WriteAll(kind, {&r.rows}), text);
  }
}

TEST_P(JsonRoundTripTest, NonFiniteValuesWhenAllowed) {
  const Kind kind = GetParam();
  RecordBatch b;
  b.AppendNullRow({1, 1});
  b.values.PopBack();
  const float inf = std::numeric_limits<float>::infinity();
  b.values.Append(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), inf, -inf, 2.5f});
  const std::string text = WriteAll(kind, {&b});
  ReadOptions options;
  options.allow_non_finite = true;
  auto r = ReadAll(FramingOf(kind), text, options);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ExpectSameRows(r.rows, b, /*compare_origin=*/false);
  // Without the option they are row errors.
  r = ReadAll(FramingOf(kind), text);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "values: Invalid vector value at index 0: NaN is not a finite number");
}

INSTANTIATE_TEST_SUITE_P(Json, JsonRoundTripTest, ::testing::Values(Kind::kJsonl, Kind::kJson),
                         [](const auto& info) { return info.param == Kind::kJsonl ? "Jsonl" : "Json"; });

}  // namespace
}  // namespace tributary::json_internal
