// Mongo shell syntax (what mongoimport reads beyond strict JSON) into
// Extended JSON, and on through RewriteExtendedJson to plain values.
#include "tributary/formats/json/mongo_shell.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/test_util.h"
#include "tributary/core/json.h"
#include "tributary/formats/json/extended_json.h"

namespace tributary::json_internal {
namespace {

std::string Shell(std::string_view text) {
  std::string out;
  Status st = ShellToExtendedJson(text, 1, &out);
  EXPECT_TRUE(st.ok()) << st.ToString() << " in " << text;
  EXPECT_TRUE(JsonValue::Parse(out).ok()) << out;
  return out;
}

std::string ShellError(std::string_view text, int64_t first_line = 1) {
  std::string out;
  Status st = ShellToExtendedJson(text, first_line, &out);
  EXPECT_FALSE(st.ok()) << text;
  EXPECT_EQ(st.code(), StatusCode::kInvalidData);
  return st.message();
}

// Shell text -> the plain record tributary stores.
JsonValue Plain(std::string_view text) {
  std::string out;
  Status st = RewriteExtendedJson(text, &out);
  EXPECT_TRUE(st.ok()) << st.ToString() << " in " << text;
  auto v = JsonValue::Parse(out);
  EXPECT_TRUE(v.ok()) << out;
  return v.ok() ? *v : JsonValue();
}

TEST(MongoShellTest, StrictJsonPassesThroughUnchanged) {
  const std::string text = R"({"a":[1,-2.5e-3,0,true,false,null],"s":"q\"\\\u00e9\n","o":{}, "e":[]})";
  std::string expected = text;
  EXPECT_EQ(Shell(text), R"({"a":[1,-2.5e-3,0,true,false,null],"s":"q\"\\\u00e9\n","o":{},"e":[]})");
}

TEST(MongoShellTest, Constructors) {
  EXPECT_EQ(Shell(R"({"a":ObjectId("54b03ef2a817f4f960f5b809")})"), R"({"a":{"$oid":"54b03ef2a817f4f960f5b809"}})");
  EXPECT_EQ(Shell(R"({"a":ISODate("2015-02-25T16:42:11Z")})"), R"({"a":{"$date":"2015-02-25T16:42:11Z"}})");
  EXPECT_EQ(Shell(R"({"a":Date(45), "b": new Date(-1000), "c": new Date("2015-02-25")})"),
            R"({"a":{"$date":{"$numberLong":"45"}},"b":{"$date":{"$numberLong":"-1000"}},"c":{"$date":"2015-02-25"}})");
  EXPECT_EQ(Shell(R"({"a":NumberLong(5000),"b":NumberLong("-9223372036854775808"),"c":NumberInt(5),"d":NumberInt("-7")})"),
            R"({"a":{"$numberLong":"5000"},"b":{"$numberLong":"-9223372036854775808"},"c":{"$numberInt":"5"},"d":{"$numberInt":"-7"}})");
  EXPECT_EQ(Shell(R"({"a":NumberDecimal("1.10"),"b":NumberDecimal(2)})"),
            R"({"a":{"$numberDecimal":"1.10"},"b":{"$numberDecimal":"2"}})");
  EXPECT_EQ(Shell(R"({"a":Timestamp(1415991783, 1)})"), R"({"a":{"$timestamp":{"t":1415991783,"i":1}}})");
  EXPECT_EQ(Shell(R"({"a":BinData(3, "e8MEnzZoFyMmD7WSHdNrFJyEk8M=")})"),
            R"({"a":{"$binary":{"base64":"e8MEnzZoFyMmD7WSHdNrFJyEk8M=","subType":"03"}}})");
  // HexData: hex turned into base64 ("TEST" in hex).
  EXPECT_EQ(Shell(R"({"a":HexData(0, "54455354"), "b":HexData(128, "ff"), "c":HexData(0, "")})"),
            R"({"a":{"$binary":{"base64":"VEVTVA==","subType":"00"}},"b":{"$binary":{"base64":"/w==","subType":"80"}},)"
            R"("c":{"$binary":{"base64":"","subType":"00"}}})");
  EXPECT_EQ(Shell(R"({"a":Boolean(1),"b":Boolean(""),"c":Boolean(true),"d":new Boolean(0)})"),
            R"({"a":true,"b":false,"c":true,"d":false})");
  EXPECT_EQ(Shell(R"({"a":RegExp("^a.c$", "i"), "b": /a\/b\d+/gi, "c":/x/})"),
            R"({"a":{"$regularExpression":{"pattern":"^a.c$","options":"i"}},)"
            R"("b":{"$regularExpression":{"pattern":"a/b\\d+","options":"gi"}},)"
            R"("c":{"$regularExpression":{"pattern":"x","options":""}}})");
  EXPECT_EQ(Shell(R"({"a":DBRef("coll", ObjectId("54b03ef2a817f4f960f5b809"), "db"),"b":Dbref("c", 5)})"),
            R"({"a":{"$ref":"coll","$id":{"$oid":"54b03ef2a817f4f960f5b809"},"$db":"db"},"b":{"$ref":"c","$id":5}})");
  EXPECT_EQ(Shell(R"({"a":DBPointer("db.c", ObjectId("54b03ef2a817f4f960f5b809"))})"),
            R"({"a":{"$dbPointer":{"$ref":"db.c","$id":{"$oid":"54b03ef2a817f4f960f5b809"}}}})");
}

TEST(MongoShellTest, LiteralsNumbersAndQuoting) {
  EXPECT_EQ(Shell("{a: NaN, b: Infinity, c: -Infinity, d: +Infinity, e: undefined, f: MinKey, g: MaxKey()}"),
            R"({"a":{"$numberDouble":"NaN"},"b":{"$numberDouble":"Infinity"},"c":{"$numberDouble":"-Infinity"},)"
            R"("d":{"$numberDouble":"Infinity"},"e":{"$undefined":true},"f":{"$minKey":1},"g":{"$maxKey":1}})");
  EXPECT_EQ(Shell("{$a_1: 0x123, 'b': -0X1f, c: +5, d: .5, e: -.25e2, f: 0x0}"),
            R"({"$a_1":291,"b":-31,"c":5,"d":0.5,"e":-0.25e2,"f":0})");
  EXPECT_EQ(Shell(R"({'k"q': 'it\'s "x" \n \u00e9'})"), R"({"k\"q":"it's \"x\" \n \u00e9"})");
  EXPECT_EQ(Shell("[ 1 ,\n\t2 ]"), "[1,2]");
}

TEST(MongoShellTest, TypesFixtureImportsWithExpectedValues) {
  const std::string text = testing::ReadFileOrDie(testing::SharedTestData("real/mongo-tools-fixtures/types.json"));
  JsonValue v = Plain(text);
  ASSERT_TRUE(v.is_object());
  auto field = [&](const char* k) {
    const JsonValue* f = v.Find(k);
    EXPECT_NE(f, nullptr) << k;
    return f ? f->ToString() : std::string();
  };
  EXPECT_EQ(field("double_type"), "5");  // numbers are kept in canonical form
  EXPECT_EQ(field("double_exponent_type"), "5e+32");
  EXPECT_EQ(field("double_negative_type"), "-5");
  EXPECT_EQ(field("NaN"), "\"NaN\"");
  EXPECT_EQ(field("infinity"), "\"Infinity\"");
  EXPECT_EQ(field("negative_infinity"), "\"-Infinity\"");
  EXPECT_EQ(field("string_type"), "\"sample string\"");
  EXPECT_EQ(field("object_type"), "{\"sample\":\"object\"}");
  EXPECT_EQ(field("binary_data"), "\"e8MEnzZoFyMmD7WSHdNrFJyEk8M=\"");
  EXPECT_EQ(field("undefined_type"), "null");
  EXPECT_EQ(field("object_id_type"), "\"54b03ef2a817f4f960f5b809\"");
  EXPECT_EQ(field("true_type"), "true");
  EXPECT_EQ(field("false_type"), "false");
  EXPECT_EQ(field("date_type"), "\"1970-01-01T00:00:00.045Z\"");
  EXPECT_EQ(field("iso_date_type"), "\"2015-02-25T16:42:11Z\"");
  EXPECT_EQ(field("null_type"), "null");
  EXPECT_EQ(field("int32_type"), "5");
  EXPECT_EQ(field("number_int_type"), "5");
  EXPECT_EQ(field("int32_hex"), "291");
  EXPECT_EQ(field("int64_type"), "214748364765");
  EXPECT_EQ(field("int64_negative_type"), "-214748364765");
  EXPECT_EQ(field("number_long_type"), "5000");
  EXPECT_EQ(field("minkey_type"), "\"MinKey\"");
  EXPECT_EQ(field("maxkey_type"), "\"MaxKey\"");
  EXPECT_EQ(field("regex_type"), "{\"pattern\":\"\\\\.\",\"options\":\"\"}");
  EXPECT_EQ(v.members().size(), 26u);
}

TEST(MongoShellTest, ShellFormsGiveTheSameValuesAsExtendedJson) {
  EXPECT_EQ(Plain(R"({_id: ObjectId("54b03ef2a817f4f960f5b809"), d: ISODate("2015-02-25T16:42:11.5-0700"),)"
                  R"( n: NumberLong("9007199254740993"), t: Timestamp(5, 6), r: /a/i, p: DBPointer("x.y", ObjectId("54b03ef2a817f4f960f5b809"))})")
                .ToString(),
            Plain(R"({"_id":{"$oid":"54b03ef2a817f4f960f5b809"},"d":{"$date":"2015-02-25T16:42:11.5-0700"},)"
                  R"("n":{"$numberLong":"9007199254740993"},"t":{"$timestamp":{"t":5,"i":6}},)"
                  R"("r":{"$regex":"a","$options":"i"},"p":{"$dbPointer":{"$ref":"x.y","$id":{"$oid":"54b03ef2a817f4f960f5b809"}}}})")
                .ToString());
  EXPECT_EQ(Plain(R"({"id":"x","p":{"$dbPointer":{"$ref":"x.y","$id":{"$oid":"54b03ef2a817f4f960f5b809"}}}})").Find("p")->ToString(),
            R"({"$ref":"x.y","$id":"54b03ef2a817f4f960f5b809"})");
  // A lone $regex is a query operator: data.
  EXPECT_EQ(Plain(R"({"q":{"$regex":"^a"}})").Find("q")->ToString(), R"({"$regex":"^a"})");
  EXPECT_EQ(Plain(R"({"q":{"$minKey":2}})").Find("q")->ToString(), R"({"$minKey":2})");
}

TEST(MongoShellTest, ErrorsNameLineAndColumn) {
  EXPECT_EQ(ShellError("{\n  \"a\": ObjectId(\"123\")\n}", 10),
            "Invalid JSON: ObjectId takes one string of 24 hex digits at line 11, column 8");
  EXPECT_EQ(ShellError("{a: Bogus(1)}"), "Invalid JSON: unexpected 'Bogus' at line 1, column 5");
  EXPECT_EQ(ShellError("{a: 'open"), "Invalid JSON: unterminated string at line 1, column 10");
  EXPECT_EQ(ShellError("{a: 1,}"), "Invalid JSON: expecting an object key at line 1, column 7");
  EXPECT_EQ(ShellError("{a: 1} x"), "Invalid JSON: unexpected text after the document at line 1, column 8");
  EXPECT_EQ(ShellError("{a: NumberInt(3000000000)}"),
            "Invalid JSON: NumberInt takes one whole number within 32 bits at line 1, column 5");
  EXPECT_EQ(ShellError("{a: Timestamp(1)}"),
            "Invalid JSON: Timestamp takes two whole numbers within 32 bits (seconds, increment) at line 1, column 5");
  EXPECT_EQ(ShellError("{a: 0x}"), "Invalid JSON: bad hex number at line 1, column 7");
  EXPECT_EQ(ShellError("{a: 0x8000000000000000}"), "Invalid JSON: hex number out of the 64-bit range at line 1, column 23");
  EXPECT_EQ(ShellError("{a: BinData(0, \"%%%%\")}"), "Invalid JSON: BinData: the data is not base64 at line 1, column 5");
  EXPECT_EQ(ShellError("{a: new Foo(1)}"), "Invalid JSON: unknown constructor 'Foo' at line 1, column 9");
  EXPECT_EQ(ShellError("{a: /x\n/}"), "Invalid JSON: control character in a regular expression at line 1, column 7");
  EXPECT_EQ(ShellError("{a: 01}"), "Invalid JSON: bad number at line 1, column 6");
  // Through the rewriter: the same message.
  std::string out;
  Status st = RewriteExtendedJson("{\"a\": ISODate(12.5)}", &out, 3);
  EXPECT_EQ(st.message(), "Invalid JSON: ISODate takes one date string or whole number of milliseconds at line 3, column 7");
}

TEST(MongoShellTest, HostileInputIsBounded) {
  // Deep nesting: an error, not a stack overflow.
  std::string deep(1 << 20, '[');
  EXPECT_NE(ShellError(deep).find("nesting deeper than 256 levels"), std::string::npos);
  std::string deep_ctor;
  for (int i = 0; i < 100000; ++i) deep_ctor += "DBRef(\"c\", ";
  EXPECT_NE(ShellError("{a: " + deep_ctor).find("constructors nested more than 4 deep"), std::string::npos);
  // Many constructors, each small: linear time.
  std::string many = "{a: [";
  for (int i = 0; i < 200000; ++i) many += "NumberLong(1),";
  many += "0]}";
  auto t0 = std::chrono::steady_clock::now();
  std::string out;
  ASSERT_TRUE(ShellToExtendedJson(many, 1, &out).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // Expansion past the output bound is refused.
  std::string nans = "[";
  nans.reserve(kMaxShellOutputBytes / 4);
  while (nans.size() < kMaxShellOutputBytes / 5) nans += "NaN,";
  nans += "0]";
  EXPECT_NE(ShellError(nans).find("when its shell syntax is written out"), std::string::npos);
}

}  // namespace
}  // namespace tributary::json_internal
