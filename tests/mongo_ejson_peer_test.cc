// MongoDB's reference Extended JSON implementation (the bson npm package's
// EJSON, installed into tests/peers by tests/peers/install.sh) against
// tributary, both ways:
//  - what `export --format mongo-json` writes, EJSON.parse reads (relaxed and
//    canonical mode) with every field equal to what the store holds;
//  - what EJSON.stringify writes (canonical and relaxed) imports with
//    `--format mongo-json` with the values EJSON itself reads from it.
// Values are compared with the store's own records (opened in process after
// the commands ran): ids, strings byte for byte, float32 vectors bit for bit
// after narrowing, timestamps to the millisecond (what $date holds).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/core/time_util.h"
#include "tributary/store/store.h"

namespace tributary {
namespace {

using testing::CommandResult;
using testing::Q;
using testing::ReadFileOrDie;
using testing::WriteFileOrDie;

using testing::ParseJsonLines;
using testing::RunShell;
using testing::SourcePath;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// How the peer's description of a number compares: JS numbers and doubles
// as doubles; 64-bit integers exactly when `exact_longs` (the canonical
// form carries their digits; JSON.parse holds bare numbers as doubles).
struct Number {
  bool ok = false;
  double value = 0;
  std::string long_digits;  // set for {"$long": ...}
};

Number PeerNumber(const JsonValue& d) {
  Number n;
  if (!d.is_object() || d.members().size() != 1) return n;
  const auto& [kind, v] = d.members()[0];
  if ((kind == "$n" || kind == "$double" || kind == "$decimal") && v.is_string()) {
    n.value = std::strtod(v.str().c_str(), nullptr);  // also "NaN", "Infinity", "-0"
    n.ok = true;
  } else if (kind == "$int32" && v.is_number()) {
    n.value = v.number();
    n.ok = true;
  } else if (kind == "$long" && v.is_string()) {
    n.value = std::strtod(v.str().c_str(), nullptr);
    n.long_digits = v.str();
    n.ok = true;
  }
  return n;
}

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

class Comparer {
 public:
  explicit Comparer(bool exact_longs) : exact_longs_(exact_longs) {}

  // theirs: the peer's description; ours: the stored JSON (metadata).
  std::string Json(const JsonValue& theirs, const JsonValue& ours, const std::string& at) const {
    if (theirs.is_null() || ours.is_null()) return theirs.is_null() == ours.is_null() ? "" : at + ": null on one side";
    if (theirs.is_bool()) return ours.is_bool() && ours.bool_value() == theirs.bool_value() ? "" : at + ": booleans differ";
    if (theirs.is_string()) return ours.is_string() && ours.str() == theirs.str() ? "" : at + ": " + Show(theirs, ours);
    if (theirs.is_array()) {
      if (!ours.is_array() || ours.items().size() != theirs.items().size()) return at + ": " + Show(theirs, ours);
      for (size_t i = 0; i < ours.items().size(); ++i) {
        std::string d = Json(theirs.items()[i], ours.items()[i], at + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    if (!theirs.is_object() || theirs.members().empty()) return at + ": bad description " + theirs.ToString();
    const std::string& kind = theirs.members()[0].first;
    const JsonValue& v = theirs.members()[0].second;
    if (kind == "$doc") {
      if (!ours.is_object() || ours.members().size() != v.members().size()) return at + ": " + Show(theirs, ours);
      for (const auto& [k, x] : v.members()) {
        const JsonValue* mine = ours.Find(k);
        if (mine == nullptr) return at + "." + k + ": missing in the store";
        std::string d = Json(x, *mine, at + "." + k);
        if (!d.empty()) return d;
      }
      return "";
    }
    if (kind == "$oid") return ours.is_string() && ours.str() == v.str() ? "" : at + ": " + Show(theirs, ours);
    if (kind == "$date") {
      int64_t micros = 0;
      if (!ours.is_string() || !ParseTimestamp(ours.str(), &micros).ok()) return at + ": " + Show(theirs, ours);
      return micros == static_cast<int64_t>(v.number()) * 1000 ? "" : at + ": " + Show(theirs, ours);
    }
    if (kind == "$binary") return ours.is_string() && ours.str() == v.str() ? "" : at + ": " + Show(theirs, ours);
    if (kind == "$timestamp") {
      const JsonValue* t = ours.Find("t");
      const JsonValue* i = ours.Find("i");
      return ours.is_object() && ours.members().size() == 2 && t && i && t->str() == v.Find("t")->str() &&
                     i->str() == v.Find("i")->str()
                 ? ""
                 : at + ": " + Show(theirs, ours);
    }
    if (kind == "$regex") {
      const JsonValue* p = ours.Find("pattern");
      const JsonValue* o = ours.Find("options");
      return p && o && p->str() == v.str() && o->str() == theirs.Find("options")->str() ? ""
                                                                                       : at + ": " + Show(theirs, ours);
    }
    Number n = PeerNumber(theirs);
    if (!n.ok) return at + ": bad description " + theirs.ToString();
    if (!ours.is_number()) return at + ": " + Show(theirs, ours);
    if (exact_longs_ && !n.long_digits.empty()) {
      // JsonValue keeps a number's token when a double cannot hold it.
      const std::string digits = !ours.str().empty() ? ours.str()
                                 : ours.is_integer()  ? std::to_string(ours.int_value())
                                                      : std::string();
      return digits == n.long_digits ? "" : at + ": " + Show(theirs, ours);
    }
    return SameDouble(n.value, ours.number()) ? "" : at + ": " + Show(theirs, ours);
  }

  // One stored record against the peer's description of a document.
  std::string Record(const JsonValue& doc, const RecordBatch& b, size_t r, bool dates_exact) const {
    const JsonValue* d = doc.Find("$doc");
    if (d == nullptr) return "not a document: " + doc.ToString().substr(0, 200);
    static const char* kKnown[] = {"_id", "document_id", "values", "content", "metadata", "chunk_id",
                                   "content_hash", "content_type", "language", "chunk_index", "chunk_count",
                                   "model", "created_at", "updated_at"};
    for (const auto& [k, unused] : d->members()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), k) == std::end(kKnown)) return "unexpected field " + k;
    }
    auto field = [&](const char* name) -> const JsonValue& {
      static const JsonValue kNull;
      const JsonValue* v = d->Find(name);
      return v ? *v : kNull;
    };
    // _id: a string (our export) or an ObjectId (EJSON's documents).
    const JsonValue& id = field("_id");
    const std::string want_id = id.is_string() ? id.str() : id.Find("$oid") ? id.Find("$oid")->str() : "?";
    if (b.id.Get(r) != want_id) return "_id: " + want_id + " vs stored " + std::string(b.id.Get(r));
    const std::pair<const char*, const StringColumn*> strings[] = {
        {"document_id", &b.document_id}, {"content", &b.content}, {"chunk_id", &b.chunk_id},
        {"content_hash", &b.content_hash}, {"content_type", &b.content_type}, {"language", &b.language},
        {"model", &b.model}};
    for (const auto& [name, col] : strings) {
      const JsonValue& v = field(name);
      if (v.is_null() != col->IsNull(r)) return std::string(name) + ": null on one side";
      if (!v.is_null() && (!v.is_string() || v.str() != col->Get(r))) {
        return std::string(name) + ": " + v.ToString() + " vs stored '" + std::string(col->Get(r)) + "'";
      }
    }
    const JsonValue& values = field("values");
    std::span<const float> vec = b.values.Get(r);
    if (!values.is_array() || values.items().size() != vec.size()) return "values: lengths differ";
    for (size_t i = 0; i < vec.size(); ++i) {
      Number n = PeerNumber(values.items()[i]);
      const float theirs = static_cast<float>(n.value);
      const bool same = std::isnan(theirs) ? std::isnan(vec[i])
                                           : std::bit_cast<uint32_t>(theirs) == std::bit_cast<uint32_t>(vec[i]);
      if (!n.ok || !same) {
        return "values[" + std::to_string(i) + "]: " + values.items()[i].ToString() + " vs stored " +
               std::to_string(vec[i]);
      }
    }
    for (const auto& [name, col] : {std::pair{"chunk_index", &b.chunk_index}, std::pair{"chunk_count", &b.chunk_count}}) {
      const JsonValue& v = field(name);
      if (v.is_null() != col->IsNull(r)) return std::string(name) + ": null on one side";
      if (v.is_null()) continue;
      Number n = PeerNumber(v);
      const bool same = !n.long_digits.empty() && exact_longs_ ? n.long_digits == std::to_string(col->Get(r))
                                                               : n.value == static_cast<double>(col->Get(r));
      if (!n.ok || !same) return std::string(name) + ": " + v.ToString() + " vs stored " + std::to_string(col->Get(r));
    }
    for (const auto& [name, col] : {std::pair{"created_at", &b.created_at}, std::pair{"updated_at", &b.updated_at}}) {
      const JsonValue& v = field(name);
      const JsonValue* ms = v.Find("$date");
      if (ms == nullptr) return std::string(name) + ": not a date: " + v.ToString();
      const int64_t stored = col->Get(r);
      const int64_t want = static_cast<int64_t>(ms->number());
      if (dates_exact ? stored != want * 1000 : FloorDiv(stored, 1000) != want) {
        return std::string(name) + ": " + std::to_string(want) + " ms vs stored " + std::to_string(stored) + " us";
      }
    }
    const JsonValue& meta = field("metadata");
    auto stored_meta = JsonValue::Parse(b.metadata.IsNull(r) ? "null" : b.metadata.Get(r));
    if (!stored_meta.ok()) return "metadata: stored text does not parse";
    return Json(meta, *stored_meta, "metadata");
  }

 private:
  static std::string Show(const JsonValue& theirs, const JsonValue& ours) {
    return theirs.ToString().substr(0, 200) + " vs stored " + ours.ToString().substr(0, 200);
  }
  bool exact_longs_;
};

class MongoEjsonPeerTest : public testing::StoreCliTest {
 protected:
  static void SetUpTestSuite() { peers_ok_ = RunShell(Q(SourcePath("tests/peers/install.sh"))) == 0; }
  void SetUp() override {
    ASSERT_TRUE(peers_ok_) << "tests/peers/install.sh failed (needs node and the npm registry)";
  }

  std::string Peer(const std::string& args) {
    const std::string out = dir_.File("peer.out");
    int rc = RunShell("node " + Q(SourcePath("tests/peers/ejson.mjs")) + " " + args + " >" + Q(out) + " 2>" + Q(out + ".err"));
    EXPECT_EQ(rc, 0) << args << "\n" << ReadFileOrDie(out + ".err");
    return ReadFileOrDie(out);
  }

  // Every record of the collection, in insertion order, from the store.
  RecordBatch Stored(const std::string& collection) {
    RecordBatch all;
    StoreOptions so;
    so.data_dir = dir_.File("store");
    auto store = OpenSqliteStore(so);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return all;
    auto it = (*store)->Scan({std::string(kDefaultTenant), collection}, {});
    EXPECT_TRUE(it.ok()) << it.status().ToString();
    if (!it.ok()) return all;
    RecordBatch batch;
    for (;;) {
      Status st = (*it)->Next(100, &batch);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (!st.ok() || batch.num_rows() == 0) break;
      for (size_t i = 0; i < batch.num_rows(); ++i) all.AppendRowFrom(batch, i);
    }
    return all;
  }

  static bool peers_ok_;
};

bool MongoEjsonPeerTest::peers_ok_ = false;

// Records at the edges: unicode and control characters, quotes, newlines,
// nested metadata with large integers and extreme doubles, float32
// extremes, negative zero, integral floats, non-finite values, timestamps
// with microseconds, before 1970 and far ahead.
std::string TrickyRecords() {
  const char* contents[] = {
      R"("unicode: é 中文 😀 \u2028 \u0000 and combining e\u0301")",
      R"("quotes \" ' and \\ backslash, {braces} [brackets] $dollar")",
      R"("line\nbreak\r\nand\ttab \u0001\u001f")",
      R"("")",
  };
  const char* vectors[] = {
      "[3.4028235e38,-3.4028235e38,1e-45,-1e-45,1.17549435e-38,0.1,-0.0,0]",
      "[1,2,16777216,-16777217,100,1e10,123456789,0.5]",
      "[NaN,Infinity,-Infinity,1,NaN,-0.0,7,1.5]",
      "[0.33333334,2.7182817,3.1415927,-1,0,1,2,3]",
  };
  const char* metadata[] = {
      R"({"big":9007199254740993,"min":-9223372036854775808,"max":9223372036854775807,"tiny":5e-324,"huge":1.7976931348623157e308,"neg0":-0.0,"f":0.1,"whole":4.0})",
      R"({"nested":{"a":[1,[2,[3,{"b":null}]],{"c":true}],"s":"x\"y\\z\n"},"$exists":{"$gt":1},"key with space":"v","ü":"中"})",
      R"({"list":[],"obj":{},"e":1e300,"n":-1.5e-300,"i32":-2147483648,"i33":2147483648})",
      R"({})",
  };
  const char* times[] = {
      "2024-01-31T12:30:45.678901Z", "1969-12-31T23:59:59.999500Z", "1970-01-01T00:00:00Z", "2999-12-31T23:59:59.999999Z",
  };
  std::string s;
  for (int i = 0; i < 16; ++i) {
    s += "{\"id\":\"rec-" + std::to_string(i) + (i == 3 ? " \\\"quoted\\\" ü" : "") + "\",\"document_id\":\"doc/" +
         std::to_string(i / 4) + "\",\"values\":" + vectors[i % 4] + ",\"content\":" + contents[i % 4] +
         ",\"metadata\":" + metadata[(i / 2) % 4];
    if (i % 3 != 0) {
      s += ",\"chunk_id\":\"c" + std::to_string(i) + "\",\"content_type\":\"text/plain\",\"language\":\"fr\"" +
           ",\"model\":\"m\",\"content_hash\":\"sha256:ab\",\"chunk_index\":" + std::to_string(i) +
           ",\"chunk_count\":" + (i % 2 ? "1099511627776" : "9007199254740993");
    }
    s += std::string(",\"created_at\":\"") + times[i % 4] + "\",\"updated_at\":\"" + times[(i + 1) % 4] + "\"}\n";
  }
  return s;
}

TEST_F(MongoEjsonPeerTest, EjsonParseReadsWhatTributaryExports) {
  WriteFileOrDie(dir_.File("in.jsonl"), TrickyRecords());
  Run("import-data -q --collection src --allow-non-finite --input-file " + Q(dir_.File("in.jsonl")), 0);
  Run("export -q --collection src --format mongo-json --output-file " + Q(dir_.File("out.json")), 0);
  const RecordBatch stored = Stored("src");
  ASSERT_EQ(stored.num_rows(), 16u);
  // The relaxed format's doubles carry a decimal point or an exponent, so a
  // parser that follows the Extended JSON spec reads every vector element
  // as a Double, never as an Int32 (EJSON in JavaScript cannot tell: its
  // JSON.parse reads 1.0 as 1).
  const std::string out = ReadFileOrDie(dir_.File("out.json"));
  EXPECT_NE(out.find("\"values\":[1.0,2.0,16777216.0,-16777216.0,100.0,1e+10,123456792.0,0.5]"), std::string::npos)
      << out.substr(0, 2000);
  for (const char* mode : {"relaxed", "canonical"}) {
    SCOPED_TRACE(mode);
    std::vector<JsonValue> docs = ParseJsonLines(Peer("parse " + Q(dir_.File("out.json")) + " " + mode));
    ASSERT_EQ(docs.size(), stored.num_rows());
    // JSON.parse holds bare integers as doubles, so 64-bit integers compare
    // as doubles here; the import test below checks them digit for digit.
    Comparer cmp(/*exact_longs=*/false);
    for (size_t r = 0; r < docs.size(); ++r) {
      EXPECT_EQ(cmp.Record(docs[r], stored, r, /*dates_exact=*/false), "") << "record " << r;
    }
    if (std::string(mode) == "canonical") {
      // Timestamps come back as dates, non-finite vector values as doubles.
      EXPECT_EQ(docs[0].Find("$doc")->Find("created_at")->ToString(), "{\"$date\":1706704245678}");
      EXPECT_EQ(docs[1].Find("$doc")->Find("created_at")->ToString(), "{\"$date\":-1}");
      EXPECT_EQ(docs[2].Find("$doc")->Find("values")->items()[0].ToString(), "{\"$double\":\"NaN\"}");
      EXPECT_EQ(docs[2].Find("$doc")->Find("values")->items()[5].ToString(), "{\"$double\":\"-0\"}");
    }
  }
}

TEST_F(MongoEjsonPeerTest, TributaryImportsWhatEjsonStringifyWrites) {
  Peer("write " + Q(dir_.path()));
  for (const char* mode : {"canonical", "relaxed"}) {
    SCOPED_TRACE(mode);
    const std::string coll = std::string("from_") + mode;
    CommandResult r = Run("import-data --json --collection " + coll + " --format mongo-json --input-file " +
                              Q(dir_.File(std::string(mode) + ".json")),
                          0);
    std::vector<JsonValue> expected = ParseJsonLines(ReadFileOrDie(dir_.File(std::string("expected-") + mode + ".jsonl")));
    ASSERT_EQ(expected.size(), 8u);
    const RecordBatch stored = Stored(coll);
    ASSERT_EQ(stored.num_rows(), expected.size()) << r.out;
    // The canonical form carries 64-bit integers as digits: they must come
    // through exactly. (The relaxed form EJSON writes has already rounded
    // them to doubles, which is what EJSON reads back too.)
    Comparer cmp(/*exact_longs=*/std::string(mode) == "canonical");
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(cmp.Record(expected[i], stored, i, /*dates_exact=*/true), "") << "record " << i;
    }
  }
}

}  // namespace
}  // namespace tributary
