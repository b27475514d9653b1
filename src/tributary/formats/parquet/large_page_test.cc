// Pages far larger than the reader's memory budget: files are built here
// with one data page holding every vector of the file (as DuckDB writes
// them), in each codec and in data pages v1 and v2. The reader must return
// every value exactly, report a damaged page, and (where the codec streams)
// stay within a fixed memory bound whatever the page's size, measured as
// the growth of the process's peak resident set while the file is read.
#include <gtest/gtest.h>

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tributary/formats/parquet/codec.h"
#include "tributary/formats/parquet/encoding.h"
#include "tributary/formats/parquet/reader.h"
#include "tributary/formats/parquet/thrift_io.h"

namespace tributary::parquet {
namespace {

using Codec = fmt::CompressionCodec;

constexpr size_t kDim = 800;

float ValueAt(size_t row, size_t j) { return static_cast<float>((row * 7 + j) % 1013) * 0.25f - 3.0f; }
std::string IdAt(size_t row) { return "id-" + std::to_string(row); }
std::string ContentAt(size_t row) { return std::string(3000 + row % 1500, static_cast<char>('a' + row % 26)); }

void PutLe32(uint32_t v, std::string* out) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

std::string Compress(Codec::type codec, const std::string& raw) {
  if (codec == Codec::UNCOMPRESSED) return raw;
  if (codec == Codec::GZIP) {
    // Two gzip members, as some writers produce.
    std::string out;
    const size_t half = raw.size() / 2;
    for (int part = 0; part < 2; ++part) {
      const char* src = raw.data() + (part ? half : 0);
      const size_t n = part ? raw.size() - half : half;
      z_stream zs;
      std::memset(&zs, 0, sizeof(zs));
      EXPECT_EQ(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
      std::string buf(deflateBound(&zs, static_cast<uLong>(n)), '\0');
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
      zs.avail_in = static_cast<uInt>(n);
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
      buf.resize(zs.total_out);
      deflateEnd(&zs);
      out += buf;
    }
    return out;
  }
  if (codec == Codec::ZSTD) {
    std::string out(ZSTD_compressBound(raw.size()), '\0');
    const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 1);
    EXPECT_FALSE(ZSTD_isError(n));
    out.resize(n);
    return out;
  }
  if (codec == Codec::BROTLI) {
    size_t n = BrotliEncoderMaxCompressedSize(raw.size());
    std::string out(n, '\0');
    EXPECT_TRUE(BrotliEncoderCompress(1, 22, BROTLI_MODE_GENERIC, raw.size(), reinterpret_cast<const uint8_t*>(raw.data()),
                                      &n, reinterpret_cast<uint8_t*>(out.data())));
    out.resize(n);
    return out;
  }
  auto c = MakeCompressor(codec, 0);
  EXPECT_TRUE(c.ok());
  std::string out;
  EXPECT_TRUE((*c)->Compress(raw.data(), raw.size(), &out).ok());
  return out;
}

struct Spec {
  Codec::type codec = Codec::ZSTD;
  bool v2 = false;
  size_t rows = 20000;
  bool with_content = false;  // a third column of long strings, one page too
  bool bad_crc = false;
  int64_t usize_delta = 0;  // added to the values page's stated size
  bool far_snappy = false;  // values page: snappy with references 1013 rows back
  bool crc = true;          // pages carry a CRC
};

// Raw snappy of data: copies of 64 bytes from `period` bytes back wherever
// the data repeats, literals elsewhere.
std::string FarSnappy(const std::string& data, size_t period) {
  std::string out;
  for (uint64_t n = data.size();; n >>= 7) {  // preamble: the length as a varint
    out.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) break;
  }
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    out.push_back(static_cast<char>(63 << 2));  // a literal with a 4-byte length
    PutLe32(static_cast<uint32_t>(literal.size() - 1), &out);
    out += literal;
    literal.clear();
  };
  for (size_t i = 0; i < data.size();) {
    if (i >= period && data.size() - i >= 64 && std::memcmp(&data[i], &data[i - period], 64) == 0) {
      flush();
      out.push_back(static_cast<char>((63 << 2) | 3));  // copy of 64, 4-byte offset
      PutLe32(static_cast<uint32_t>(period), &out);
      i += 64;
    } else {
      literal.push_back(data[i++]);
    }
  }
  flush();
  return out;
}

fmt::SchemaElement Element(const std::string& name, fmt::FieldRepetitionType::type rep) {
  fmt::SchemaElement e;
  e.__set_name(name);
  e.__set_repetition_type(rep);
  return e;
}

// Appends a column chunk of one data page to *file and returns its metadata.
fmt::ColumnChunk WritePage(const Spec& spec, fmt::Type::type type, std::vector<std::string> path,
                           const std::string& rep_levels, const std::string& def_levels, const std::string& values,
                           int64_t entries, int64_t rows, bool damage, std::string* file) {
  fmt::PageHeader h;
  std::string body;
  size_t usize;
  if (!spec.v2) {
    std::string raw;
    if (!rep_levels.empty()) {
      PutLe32(static_cast<uint32_t>(rep_levels.size()), &raw);
      raw += rep_levels;
    }
    PutLe32(static_cast<uint32_t>(def_levels.size()), &raw);
    raw += def_levels;
    raw += values;
    usize = raw.size();
    body = damage && spec.far_snappy ? FarSnappy(raw, 1013 * kDim * sizeof(float)) : Compress(spec.codec, raw);
    fmt::DataPageHeader dp;
    dp.__set_num_values(static_cast<int32_t>(entries));
    dp.__set_encoding(fmt::Encoding::PLAIN);
    dp.__set_definition_level_encoding(fmt::Encoding::RLE);
    dp.__set_repetition_level_encoding(fmt::Encoding::RLE);
    h.__set_type(fmt::PageType::DATA_PAGE);
    h.__set_data_page_header(dp);
  } else {
    body = rep_levels + def_levels +
           (damage && spec.far_snappy ? FarSnappy(values, 1013 * kDim * sizeof(float)) : Compress(spec.codec, values));
    usize = rep_levels.size() + def_levels.size() + values.size();
    fmt::DataPageHeaderV2 dp;
    dp.__set_num_values(static_cast<int32_t>(entries));
    dp.__set_num_nulls(0);
    dp.__set_num_rows(static_cast<int32_t>(rows));
    dp.__set_encoding(fmt::Encoding::PLAIN);
    dp.__set_definition_levels_byte_length(static_cast<int32_t>(def_levels.size()));
    dp.__set_repetition_levels_byte_length(static_cast<int32_t>(rep_levels.size()));
    h.__set_type(fmt::PageType::DATA_PAGE_V2);
    h.__set_data_page_header_v2(dp);
  }
  h.__set_uncompressed_page_size(static_cast<int32_t>(static_cast<int64_t>(usize) + (damage ? spec.usize_delta : 0)));
  h.__set_compressed_page_size(static_cast<int32_t>(body.size()));
  uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  if (damage && spec.bad_crc) crc ^= 1;
  if (spec.crc) h.__set_crc(static_cast<int32_t>(crc));
  const int64_t start = static_cast<int64_t>(file->size());
  EXPECT_TRUE(WriteThrift(h, file).ok());
  *file += body;
  fmt::ColumnMetaData md;
  md.__set_type(type);
  md.__set_encodings({fmt::Encoding::PLAIN, fmt::Encoding::RLE});
  md.__set_path_in_schema(path);
  md.__set_codec(spec.codec);
  md.__set_num_values(entries);
  md.__set_total_uncompressed_size(static_cast<int64_t>(usize));
  md.__set_total_compressed_size(static_cast<int64_t>(file->size()) - start);
  md.__set_data_page_offset(start);
  fmt::ColumnChunk cc;
  cc.__set_file_offset(start);
  cc.__set_meta_data(md);
  return cc;
}

// A file of spec.rows rows: id (text), values (list<float> of kDim), and
// optionally content (long text); every column one page.
std::string BuildFile(const Spec& spec) {
  using R = fmt::FieldRepetitionType;
  const size_t rows = spec.rows;
  std::vector<fmt::SchemaElement> schema;
  fmt::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(spec.with_content ? 3 : 2);
  schema.push_back(root);
  auto text = [&](const std::string& name) {
    fmt::SchemaElement e = Element(name, R::OPTIONAL);
    e.__set_type(fmt::Type::BYTE_ARRAY);
    e.__set_converted_type(fmt::ConvertedType::UTF8);
    return e;
  };
  schema.push_back(text("id"));
  fmt::SchemaElement list = Element("values", R::OPTIONAL);
  list.__set_num_children(1);
  list.__set_converted_type(fmt::ConvertedType::LIST);
  schema.push_back(list);
  fmt::SchemaElement rep = Element("list", R::REPEATED);
  rep.__set_num_children(1);
  schema.push_back(rep);
  fmt::SchemaElement element = Element("element", R::REQUIRED);
  element.__set_type(fmt::Type::FLOAT);
  schema.push_back(element);
  if (spec.with_content) schema.push_back(text("content"));

  std::string file = "PAR1";
  fmt::RowGroup rg;
  rg.__set_num_rows(static_cast<int64_t>(rows));
  std::vector<fmt::ColumnChunk> chunks;
  auto levels = [](int bit_width, const std::vector<std::pair<uint32_t, size_t>>& runs) {
    HybridEncoder enc(bit_width);
    for (auto [v, n] : runs) enc.Put(v, n);
    std::string out;
    enc.Finish(&out);
    return out;
  };
  auto text_column = [&](const char* name, std::string (*value)(size_t), bool damage) {
    std::string values;
    for (size_t r = 0; r < rows; ++r) {
      const std::string v = value(r);
      PutLe32(static_cast<uint32_t>(v.size()), &values);
      values += v;
    }
    const std::string defs = levels(1, {{1, rows}});
    chunks.push_back(WritePage(spec, fmt::Type::BYTE_ARRAY, {name}, "", defs, values, static_cast<int64_t>(rows),
                               static_cast<int64_t>(rows), damage, &file));
  };
  text_column("id", IdAt, false);
  {
    std::string values(rows * kDim * sizeof(float), '\0');
    float* out = reinterpret_cast<float*>(values.data());
    for (size_t r = 0; r < rows; ++r) {
      for (size_t j = 0; j < kDim; ++j) out[r * kDim + j] = ValueAt(r, j);
    }
    HybridEncoder reps(1);
    for (size_t r = 0; r < rows; ++r) {
      reps.Put(0);
      reps.Put(1, kDim - 1);
    }
    std::string rep_levels;
    reps.Finish(&rep_levels);
    const std::string defs = levels(2, {{2, rows * kDim}});
    chunks.push_back(WritePage(spec, fmt::Type::FLOAT, {"values", "list", "element"}, rep_levels, defs, values,
                               static_cast<int64_t>(rows * kDim), static_cast<int64_t>(rows), true, &file));
  }
  if (spec.with_content) text_column("content", ContentAt, false);
  int64_t total = 0;
  for (const auto& c : chunks) total += c.meta_data.total_compressed_size;
  rg.__set_columns(chunks);
  rg.__set_total_byte_size(total);
  rg.__set_total_compressed_size(total);
  fmt::FileMetaData md;
  md.__set_version(1);
  md.__set_schema(schema);
  md.__set_num_rows(static_cast<int64_t>(rows));
  md.__set_row_groups({rg});
  std::string footer;
  EXPECT_TRUE(WriteThrift(md, &footer).ok());
  file += footer;
  PutLe32(static_cast<uint32_t>(footer.size()), &file);
  file += "PAR1";
  return file;
}

// The process's peak resident set (kB), and a way to restart it.
int64_t PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMeasureMemory = false;  // the sanitizer's shadow memory and quarantine
#else
constexpr bool kMeasureMemory = true;
#endif

struct ReadResult {
  Status status;
  size_t rows = 0;
  size_t mismatches = 0;
  std::vector<RowError> errors;
  int64_t peak_growth_kb = -1;
};

// Reads the file batch by batch, checking every value, keeping nothing.
ReadResult ReadAndCheck(std::string file, bool with_content) {
  ReadResult res;
  ReadOptions ro;
  ro.batch_rows = 1000;
  auto reader = OpenParquetFileReader(MemoryRandomAccess(std::move(file), "big.parquet"), ro);
  if (!reader.ok()) {
    res.status = reader.status();
    return res;
  }
  const bool measured = kMeasureMemory && ResetPeakRss();
  const int64_t before = measured ? PeakRssKb() : -1;
  RecordBatch batch;
  while (true) {
    const size_t errors_before = res.errors.size();
    res.status = (*reader)->ReadNext(&batch, &res.errors);
    if (!res.status.ok() || (batch.num_rows() == 0 && res.errors.size() == errors_before)) break;
    for (size_t i = 0; i < batch.num_rows(); ++i) {
      const size_t r = static_cast<size_t>(batch.origin[i].row - 1);
      bool ok = batch.id.Get(i) == IdAt(r) && batch.values.Length(i) == kDim;
      if (ok) {
        auto v = batch.values.Get(i);
        for (size_t j = 0; j < kDim && ok; ++j) ok = v[j] == ValueAt(r, j);
      }
      if (with_content) ok = ok && batch.content.Get(i) == ContentAt(r);
      res.mismatches += !ok;
      ++res.rows;
    }
  }
  if (measured) res.peak_growth_kb = PeakRssKb() - before;
  return res;
}

// 20000 vectors of 800 floats: one values page of 64 MB uncompressed.
// The reader's own buffers for that column stay at a few MB; the bound
// leaves room for the batch (1000 rows, 3.2 MB) and allocator slack.
constexpr int64_t kBoundKb = 24 * 1024;

class LargePage : public ::testing::TestWithParam<std::tuple<Codec::type, bool>> {};

TEST_P(LargePage, ReadsEveryValueInBoundedMemory) {
  Spec spec;
  spec.codec = std::get<0>(GetParam());
  spec.v2 = std::get<1>(GetParam());
  ReadResult res = ReadAndCheck(BuildFile(spec), false);
  ASSERT_TRUE(res.status.ok()) << res.status.ToString();
  EXPECT_TRUE(res.errors.empty());
  EXPECT_EQ(res.rows, spec.rows);
  EXPECT_EQ(res.mismatches, 0u);
  if (res.peak_growth_kb >= 0) {
    EXPECT_LT(res.peak_growth_kb, kBoundKb) << "peak resident set grew by " << res.peak_growth_kb << " kB";
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, LargePage,
                         ::testing::Combine(::testing::Values(Codec::ZSTD, Codec::GZIP, Codec::UNCOMPRESSED,
                                                              Codec::BROTLI, Codec::SNAPPY),
                                            ::testing::Bool()));

// Snappy data whose back-references reach further than the reader's
// history (legal, though no known writer makes them): the page is then
// decompressed whole, and every value is still right. The values repeat
// every 1013 rows, so the stream copies from 1013 rows back.
TEST(LargePageSnappy, FarBackReferencesFallBackToTheWholePage) {
  for (bool v2 : {false, true}) {
    Spec spec;
    spec.codec = Codec::SNAPPY;
    spec.v2 = v2;
    spec.far_snappy = true;
    ReadResult res = ReadAndCheck(BuildFile(spec), false);
    ASSERT_TRUE(res.status.ok()) << res.status.ToString();
    EXPECT_EQ(res.rows, spec.rows);
    EXPECT_EQ(res.mismatches, 0u);
  }
}

// Long strings in one large page are read in segments too.
TEST(LargePageStrings, TextColumnsReadExactly) {
  Spec spec;
  spec.rows = 6000;  // content: 6000 strings of 3-4.5 kB, one page of ~22 MB
  spec.with_content = true;
  for (Codec::type c : {Codec::ZSTD, Codec::UNCOMPRESSED}) {
    spec.codec = c;
    ReadResult res = ReadAndCheck(BuildFile(spec), true);
    ASSERT_TRUE(res.status.ok()) << res.status.ToString();
    EXPECT_EQ(res.rows, spec.rows);
    EXPECT_EQ(res.mismatches, 0u);
  }
}

TEST(LargePageDamage, CrcIsCheckedBeforeAnyRowOfThePage) {
  Spec spec;
  spec.bad_crc = true;
  ReadResult res = ReadAndCheck(BuildFile(spec), false);
  ASSERT_FALSE(res.status.ok());
  EXPECT_NE(res.status.message().find("column 'values.list.element' in row group 0: page 1"), std::string::npos)
      << res.status.message();
  EXPECT_NE(res.status.message().find("fails its CRC check"), std::string::npos) << res.status.message();
  EXPECT_EQ(res.rows, 0u);
}

TEST(LargePageDamage, StatedSizeMustMatchTheStream) {
  for (Codec::type c : {Codec::ZSTD, Codec::GZIP}) {
    for (int64_t delta : {int64_t{-1000}, int64_t{1000}}) {
      SCOPED_TRACE(CodecName(c) + " " + std::to_string(delta));
      Spec spec;
      spec.codec = c;
      spec.rows = 4000;  // 12.8 MB
      spec.usize_delta = delta;
      ReadResult res = ReadAndCheck(BuildFile(spec), false);
      ASSERT_FALSE(res.status.ok());
      EXPECT_NE(res.status.message().find("column 'values.list.element' in row group 0"), std::string::npos)
          << res.status.message();
      if (delta > 0) {
        EXPECT_NE(res.status.message().find("bytes"), std::string::npos) << res.status.message();
      }
      EXPECT_EQ(res.mismatches, 0u);
    }
  }
}

}  // namespace
}  // namespace tributary::parquet

namespace tributary::parquet {
namespace {

// Damaged large pages (bytes flipped in the values page's compressed stream
// and levels, the file cut short) end in an error or in rows the reader
// could make sense of; never in a crash or a read out of bounds (the suite
// also runs under AddressSanitizer).
TEST(LargePageDamage, FlippedBytesNeverCrash) {
  std::mt19937_64 rng(11);
  for (Codec::type c : {Codec::ZSTD, Codec::SNAPPY, Codec::GZIP, Codec::UNCOMPRESSED, Codec::BROTLI}) {
    for (bool v2 : {false, true}) {
      Spec spec;
      spec.codec = c;
      spec.v2 = v2;
      spec.rows = 2700;  // a values page of 8.6 MB: just over the size read in segments
      spec.crc = false;  // so that damage reaches the decoders
      const std::string file = BuildFile(spec);
      size_t failed = 0;
      for (int round = 0; round < 12; ++round) {
        std::string bad = file;
        // The values page starts after the id column (< 64 kB); damage its
        // first megabyte (header, levels, start of the stream) and one spot anywhere.
        const size_t region = std::min<size_t>(bad.size() - 8, 1u << 20);
        for (int k = 0; k < 1 + round % 4; ++k) bad[rng() % region] ^= static_cast<char>(1 + rng() % 255);
        bad[rng() % (bad.size() - 8)] ^= static_cast<char>(1 + rng() % 255);
        if (round % 5 == 4) bad.erase(bad.size() / 2, bad.size() / 4);  // and a cut
        ReadOptions ro;
        ro.batch_rows = 500;
        auto reader = OpenParquetFileReader(MemoryRandomAccess(bad, "bad.parquet"), ro);
        if (!reader.ok()) {
          ++failed;
          continue;
        }
        RecordBatch batch;
        std::vector<RowError> errors;
        size_t rows = 0;
        Status st;
        for (int i = 0; i < 100; ++i) {
          const size_t before = errors.size();
          st = (*reader)->ReadNext(&batch, &errors);
          if (!st.ok() || (batch.num_rows() == 0 && errors.size() == before)) break;
          rows += batch.num_rows();
        }
        EXPECT_LE(rows + errors.size(), spec.rows);
        failed += !st.ok();
      }
      EXPECT_GT(failed, 0u) << CodecName(c) << (v2 ? " v2" : " v1");
    }
  }
}

}  // namespace
}  // namespace tributary::parquet
