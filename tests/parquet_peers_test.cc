// Cross-reading with independent Parquet implementations (DuckDB's Node API
// and hyparquet, installed from npm into tests/peers by tests/peers/install.sh):
// files tributary writes must read back in both with the same values and the
// expected types, and files DuckDB writes (default settings, zstd, and
// PARQUET_VERSION v2) must import into tributary with the same values.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <sstream>

#include <cmath>
#include <filesystem>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/core/time_util.h"
#include "tributary/formats/parquet/test_support.h"

namespace tributary {
namespace {

using testing::CommandResult;
using testing::Q;
using testing::ReadFileOrDie;
using testing::RunTributary;
using testing::TempDir;

using testing::ParseJsonLines;
using testing::RunShell;
using testing::SourcePath;

float AsFloat(const JsonValue& v) { return static_cast<float>(std::strtod(v.str().c_str(), nullptr)); }

// Compares one field of a row tributary exported as JSONL (ours) with what a
// peer read from the Parquet file (theirs: timestamps as epoch microseconds,
// JSON as text).
std::string DiffField(const std::string& name, const JsonValue& ours, const JsonValue* theirs) {
  if (theirs == nullptr) return name + ": missing in the peer's row";
  if (ours.is_null() || theirs->is_null()) {
    return ours.is_null() == theirs->is_null() ? "" : name + ": null on one side only";
  }
  if (name == "values") {
    if (!theirs->is_array() || theirs->items().size() != ours.items().size()) return name + ": lengths differ";
    for (size_t i = 0; i < ours.items().size(); ++i) {
      float a = AsFloat(ours.items()[i]), b = AsFloat(theirs->items()[i]);
      if (std::bit_cast<uint32_t>(a) != std::bit_cast<uint32_t>(b)) {
        return name + "[" + std::to_string(i) + "]: " + ours.items()[i].str() + " vs " + theirs->items()[i].str();
      }
    }
    return "";
  }
  if (name == "metadata") {
    if (!theirs->is_string()) return name + ": peer value is not JSON text";
    auto parsed = JsonValue::Parse(theirs->str());
    if (!parsed.ok()) return name + ": peer's JSON does not parse";
    return parsed->ToString() == ours.ToString() ? "" : name + ": " + ours.ToString() + " vs " + parsed->ToString();
  }
  if (name == "created_at" || name == "updated_at") {
    int64_t micros = 0;
    if (!ParseTimestamp(ours.str(), &micros).ok()) return name + ": bad timestamp in our export";
    if (!theirs->is_number() || theirs->str() != std::to_string(micros)) {
      return name + ": " + std::to_string(micros) + " vs " + theirs->ToString();
    }
    return "";
  }
  if (ours.is_number()) return theirs->is_number() && theirs->str() == ours.str() ? "" : name + ": numbers differ";
  return theirs->is_string() && theirs->str() == ours.str() ? "" : name + ": '" + ours.str() + "' vs " + theirs->ToString();
}

std::string DiffRows(const std::vector<JsonValue>& ours, const std::vector<JsonValue>& theirs) {
  if (ours.size() != theirs.size()) {
    return "row counts differ: " + std::to_string(ours.size()) + " vs " + std::to_string(theirs.size());
  }
  for (size_t r = 0; r < ours.size(); ++r) {
    for (const auto& [name, value] : ours[r].members()) {
      std::string d = DiffField(name, value, theirs[r].Find(name));
      if (!d.empty()) return "row " + std::to_string(r) + ": " + d;
    }
  }
  return "";
}

class ParquetPeersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    peers_ok_ = RunShell(Q(SourcePath("tests/peers/install.sh"))) == 0;
  }

  void SetUp() override {
    ASSERT_TRUE(peers_ok_) << "tests/peers/install.sh failed (needs node and the npm registry)";
    // Seed-shaped records: 300 rows of 24 dimensions, every field set.
    ASSERT_EQ(RunShell("node " + Q(SourcePath("bench/gen.mjs")) + " 300 24 " + Q(dir_.path()) + " >/dev/null"), 0);
    // And rows where the optional fields are missing (nulls in every
    // optional column, next to dictionary-encoded values in the same pages).
    std::string extra;
    for (int i = 0; i < 40; ++i) {
      extra += "{\"id\":\"sparse-" + std::to_string(i) + "\",\"document_id\":\"doc-sparse\",\"values\":[";
      for (int d = 0; d < 24; ++d) extra += (d ? "," : "") + std::to_string(i * 0.25 - d);
      extra += std::string("]") + (i % 2 ? ",\"language\":\"en\"" : "") +
               ",\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}\n";
    }
    ASSERT_EQ(RunShell("cat >> " + Q(dir_.File("records.jsonl")) + " <<'EOF'\n" + extra + "EOF"), 0);
    Run("import-data -c src --input-file " + Q(dir_.File("records.jsonl")) + " --quiet");
    Run("export -c src --output-file " + Q(dir_.File("orig.jsonl")) + " --quiet");
    ours_ = ParseJsonLines(ReadFileOrDie(dir_.File("orig.jsonl")));
    ASSERT_EQ(ours_.size(), 340u);
  }

  std::string Run(const std::string& args) {
    CommandResult r = RunTributary("--data-dir " + Q(dir_.File("store")) + " " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return r.out;
  }

  std::string Peer(const std::string& args) {
    std::string out = dir_.File("peer.out");
    int rc = RunShell("node " + Q(SourcePath("tests/peers/peer.mjs")) + " " + args + " >" + Q(out) + " 2>" + Q(out + ".err"));
    EXPECT_EQ(rc, 0) << args << "\n" << ReadFileOrDie(out + ".err");
    return ReadFileOrDie(out);
  }

  static bool peers_ok_;
  TempDir dir_;
  std::vector<JsonValue> ours_;
};

bool ParquetPeersTest::peers_ok_ = false;

TEST_F(ParquetPeersTest, DuckDbAndHyparquetReadWhatTributaryWrites) {
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"zstd.parquet", ""},
      {"snappy-bss.parquet", "--compression snappy --byte-stream-split"},
      {"gzip.parquet", "--compression gzip"},
      {"none.parquet", "--compression none"},
  };
  for (const auto& [name, flags] : variants) {
    SCOPED_TRACE(name);
    const std::string file = dir_.File(name);
    Run("export -c src --output-file " + Q(file) + " " + flags + " --quiet");

    std::vector<JsonValue> duck = ParseJsonLines(Peer("duck-read " + Q(file)));
    ASSERT_FALSE(duck.empty());
    const JsonValue* types = duck[0].Find("types");
    ASSERT_NE(types, nullptr);
    auto type_of = [&](const char* col) {
      const JsonValue* t = types->Find(col);
      return t ? t->str() : std::string("<missing>");
    };
    EXPECT_EQ(type_of("id"), "VARCHAR");
    EXPECT_EQ(type_of("document_id"), "VARCHAR");
    EXPECT_EQ(type_of("values"), "FLOAT[]");
    EXPECT_EQ(type_of("metadata"), "JSON");
    EXPECT_EQ(type_of("chunk_index"), "BIGINT");
    EXPECT_EQ(type_of("created_at").rfind("TIMESTAMP", 0), 0u) << type_of("created_at");
    duck.erase(duck.begin());
    EXPECT_EQ(DiffRows(ours_, duck), "");

    std::vector<JsonValue> hyp = ParseJsonLines(Peer("hyparquet-read " + Q(file)));
    EXPECT_EQ(DiffRows(ours_, hyp), "");
  }
}

TEST_F(ParquetPeersTest, TributaryImportsWhatDuckDbWrites) {
  const std::string orig = ReadFileOrDie(dir_.File("orig.jsonl"));
  for (const char* mode : {"default", "zstd", "v2"}) {
    SCOPED_TRACE(mode);
    const std::string file = dir_.File(std::string("duck-") + mode + ".parquet");
    Peer("duck-write " + Q(dir_.File("orig.jsonl")) + " " + Q(file) + " " + mode);
    const std::string coll = std::string("duck_") + mode;
    Run("import-data -c " + coll + " --input-file " + Q(file) + " --quiet");
    const std::string back = dir_.File(std::string("back-") + mode + ".jsonl");
    Run("export -c " + coll + " --output-file " + Q(back) + " --quiet");
    EXPECT_EQ(ReadFileOrDie(back), orig);
  }
}

// DuckDB's default COPY TO of a table it read from the JSONL itself: types
// are DuckDB's guesses (values DOUBLE[], metadata a STRUCT with a list
// inside, timestamps typed), and the file must import with the same records.
TEST_F(ParquetPeersTest, TributaryImportsDuckDbsDefaultExportOfTheJsonl) {
  const std::string file = dir_.File("duck-auto.parquet");
  Peer("duck-write " + Q(dir_.File("records.jsonl")) + " " + Q(file) + " auto");
  std::vector<JsonValue> duck = ParseJsonLines(Peer("duck-read " + Q(file)));
  ASSERT_FALSE(duck.empty());
  const JsonValue* meta_type = duck[0].Find("types") ? duck[0].Find("types")->Find("metadata") : nullptr;
  ASSERT_NE(meta_type, nullptr);
  EXPECT_EQ(meta_type->str().rfind("STRUCT(", 0), 0u) << meta_type->str();
  Run("import-data -c duck_auto --input-file " + Q(file) + " --quiet");
  Run("export -c duck_auto --output-file " + Q(dir_.File("back-auto.jsonl")) + " --quiet");
  EXPECT_EQ(ReadFileOrDie(dir_.File("back-auto.jsonl")), ReadFileOrDie(dir_.File("orig.jsonl")));
}

TEST_F(ParquetPeersTest, RoundTripThroughTributaryIsExact) {
  const std::string file = dir_.File("rt.parquet");
  Run("export -c src --output-file " + Q(file) + " --quiet");
  Run("import-data -c rt --input-file " + Q(file) + " --quiet");
  Run("export -c rt --output-file " + Q(dir_.File("rt.jsonl")) + " --quiet");
  EXPECT_EQ(ReadFileOrDie(dir_.File("rt.jsonl")), ReadFileOrDie(dir_.File("orig.jsonl")));
  // Input that is not a plain file (here gzip-compressed) is spooled, then
  // read the same way.
  ASSERT_EQ(RunShell("gzip -k " + Q(file)), 0);
  Run("import-data -c rt2 --format parquet --input-file " + Q(file + ".gz") + " --quiet");
  Run("export -c rt2 --output-file " + Q(dir_.File("rt2.jsonl")) + " --quiet");
  EXPECT_EQ(ReadFileOrDie(dir_.File("rt2.jsonl")), ReadFileOrDie(dir_.File("orig.jsonl")));
}

// Compares a value tributary put into metadata with DuckDB's to_json of the
// same column. Maps with keys that are not text are arrays of {key, value}
// on our side and objects with the keys as text on DuckDB's.
std::string DiffJson(const JsonValue& ours, const JsonValue& theirs, const std::string& at) {
  if (ours.is_null() || theirs.is_null()) return ours.is_null() == theirs.is_null() ? "" : at + ": null on one side";
  if (ours.is_array() && theirs.is_object()) {
    std::vector<JsonValue::Member> members;
    for (const JsonValue& kv : ours.items()) {
      const JsonValue* k = kv.Find("key");
      const JsonValue* v = kv.Find("value");
      if (!kv.is_object() || k == nullptr || v == nullptr) return at + ": array vs object";
      members.emplace_back(k->is_string() ? k->str() : k->ToString(), *v);
    }
    return DiffJson(JsonValue::Object(std::move(members)), theirs, at);
  }
  if (ours.is_number() && theirs.is_number()) {
    const double a = ours.number(), b = theirs.number();
    return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b)) ? "" : at + ": " + ours.str() + " vs " + theirs.str();
  }
  if (ours.is_array() && theirs.is_array()) {
    if (ours.items().size() != theirs.items().size()) return at + ": lengths differ";
    for (size_t i = 0; i < ours.items().size(); ++i) {
      std::string d = DiffJson(ours.items()[i], theirs.items()[i], at + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  if (ours.is_object() && theirs.is_object()) {
    if (ours.members().size() != theirs.members().size()) {
      return at + ": " + ours.ToString().substr(0, 200) + " vs " + theirs.ToString().substr(0, 200);
    }
    for (size_t i = 0; i < ours.members().size(); ++i) {
      const auto& [k, v] = ours.members()[i];
      if (k != theirs.members()[i].first) return at + ": key '" + k + "' vs '" + theirs.members()[i].first + "'";
      std::string d = DiffJson(v, theirs.members()[i].second, at + "." + k);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (ours.is_string() && theirs.is_string() && ours.str() != theirs.str()) {
    // Timestamps: RFC 3339 on our side, "YYYY-MM-DD HH:MM:SS" in DuckDB's JSON.
    std::string t = ours.str();
    const size_t tpos = t.find('T');
    if (tpos != std::string::npos && !t.empty() && t.back() == 'Z') {
      t[tpos] = ' ';
      t.pop_back();
    }
    return t == theirs.str() ? "" : at + ": " + ours.ToString() + " vs " + theirs.ToString();
  }
  return ours.ToString() == theirs.ToString() ? "" : at + ": " + ours.ToString() + " vs " + theirs.ToString();
}

// DuckDB writes a list column's pages very large (one page can hold a row
// group's vectors); zstd pages that large are read in slices and
// decompressed as they come. 7000 vectors of 768 floats: DuckDB puts them in
// one page of ~21 MB.
TEST(ParquetPeersLarge, TributaryImportsDuckDbsLargeZstdPages) {
  ASSERT_EQ(RunShell(Q(SourcePath("tests/peers/install.sh"))), 0);
  TempDir dir;
  ASSERT_EQ(RunShell("node " + Q(SourcePath("bench/gen.mjs")) + " 7000 768 " + Q(dir.path()) + " >/dev/null"), 0);
  auto run = [&](const std::string& args) {
    CommandResult r = RunTributary("--data-dir " + Q(dir.File("store")) + " " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  };
  run("import-data -c src --input-file " + Q(dir.File("records.jsonl")) + " --quiet");
  run("export -c src --output-file " + Q(dir.File("orig.jsonl")) + " --quiet");
  const std::string file = dir.File("duck.parquet");
  ASSERT_EQ(RunShell("node " + Q(SourcePath("tests/peers/peer.mjs")) + " duck-write " + Q(dir.File("orig.jsonl")) + " " +
                  Q(file) + " zstd"),
            0);
  ASSERT_GT(std::filesystem::file_size(file), size_t{18} << 20);
  run("import-data -c duck --input-file " + Q(file) + " --quiet");
  run("export -c duck --output-file " + Q(dir.File("back.jsonl")) + " --quiet");
  EXPECT_EQ(ReadFileOrDie(dir.File("back.jsonl")), ReadFileOrDie(dir.File("orig.jsonl")));
}

// The corpus's files with structs, maps, nested lists and lists of structs:
// every such column goes into metadata as JSON with the values DuckDB reads.
TEST(ParquetPeersCorpus, NestedColumnsReadAsDuckDbReadsThem) {
  ASSERT_EQ(RunShell(Q(SourcePath("tests/peers/install.sh"))), 0);
  TempDir dir;
  const std::string data = testing::SharedTestData("parquet-testing/data");
  const std::vector<std::string> files = {
      "list_columns", "nested_lists.snappy", "nested_maps.snappy", "nested_structs.rust", "nonnullable.impala",
      "nullable.impala", "null_list", "old_list_structure", "repeated_no_annotation", "incorrect_map_schema",
      "repeated_primitive_no_list"};
  for (const std::string& name : files) {
    SCOPED_TRACE(name);
    const std::string path = data + "/" + name + ".parquet";
    const std::string out = dir.File(name + ".duck");
    ASSERT_EQ(RunShell("node " + Q(SourcePath("tests/peers/peer.mjs")) + " duck-json " + Q(path) + " >" + Q(out)), 0);
    std::vector<JsonValue> duck = ParseJsonLines(ReadFileOrDie(out));
    ReadOptions ro;
    ro.batch_rows = 1000;
    auto in = OpenInput(path);
    ASSERT_TRUE(in.ok());
    parquet::testing::ReadAllResult ours = parquet::testing::ReadAll(std::move(*in), ro);
    ASSERT_TRUE(ours.status.ok()) << ours.status.ToString();
    ASSERT_TRUE(ours.errors.empty()) << ours.errors[0].message;
    ASSERT_EQ(ours.rows.num_rows(), duck.size());
    size_t compared = 0;
    for (size_t r = 0; r < duck.size(); ++r) {
      auto meta = JsonValue::Parse(ours.rows.metadata.IsNull(r) ? "{}" : ours.rows.metadata.Get(r));
      ASSERT_TRUE(meta.ok());
      for (const auto& [col, theirs] : duck[r].members()) {
        if (!theirs.is_array() && !theirs.is_object() && !(theirs.is_null() && meta->Find(col))) continue;
        const JsonValue* mine = meta->Find(col);
        ASSERT_NE(mine, nullptr) << "row " << r << ": column '" << col << "' is not in metadata";
        EXPECT_EQ(DiffJson(*mine, theirs, "row " + std::to_string(r) + " " + col), "");
        ++compared;
      }
    }
    EXPECT_GT(compared, 0u);
  }
}

}  // namespace
}  // namespace tributary
