#include "tributary/core/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace tributary {
namespace {

TEST(JsonTest, ParseAndSerializeCompact) {
  auto v = JsonValue::Parse(R"( { "a" : [1, 2.5, "x\n\"y\""], "b": {"c": null, "d": true} } )");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->ToString(), R"({"a":[1,2.5,"x\n\"y\""],"b":{"c":null,"d":true}})");
  EXPECT_TRUE(v->Find("a")->is_array());
  EXPECT_EQ(v->Find("zzz"), nullptr);
}

TEST(JsonTest, EscapesControlCharactersAndKeepsUnicode) {
  std::string out;
  AppendJsonString(std::string("a\x01\tb\xC3\xA9\xF0\x9F\x98\x80", 10), &out);
  EXPECT_EQ(out, "\"a\\u0001\\tb\xC3\xA9\xF0\x9F\x98\x80\"");
  auto back = JsonValue::Parse(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->str(), std::string("a\x01\tb\xC3\xA9\xF0\x9F\x98\x80", 10));
}

// Escaping scans 16 bytes at a time: every byte that needs an escape is
// found at every position of a block and of the scalar tail, and nothing
// else is escaped (bytes from 0x7F up pass as they are).
TEST(JsonTest, EscapesAtEveryPositionOfLongStrings) {
  auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\b') {
        out += "\\b";
      } else if (c == '\f') {
        out += "\\f";
      } else if (c < 0x20) {
        char esc[7];
        std::snprintf(esc, sizeof(esc), "\\u%04x", c);
        out += esc;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    return out + "\"";
  };
  const std::string specials("\x00\x01\x1f\x20\"\\\n\t\x7f\x80\xff/", 12);
  for (size_t len = 0; len <= 70; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (char special : specials) {
        std::string s(len, 'x');
        s[pos] = special;
        std::string out;
        AppendJsonString(s, &out);
        ASSERT_EQ(out, reference(s)) << "length " << len << ", byte " << int(special) << " at " << pos;
      }
    }
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string out;
  AppendJsonString(all + all, &out);
  EXPECT_EQ(out, reference(all + all));
}

TEST(JsonTest, ErrorsAreInvalidData) {
  for (const char* bad : {"{", "{\"a\":}", "[1,]", "{\"a\":1} x", "nul", "\"\xff\""}) {
    auto v = JsonValue::Parse(bad);
    EXPECT_FALSE(v.ok()) << bad;
    EXPECT_TRUE(v.status().IsInvalidData()) << bad;
    EXPECT_EQ(v.status().message().rfind("Invalid JSON: ", 0), 0u) << v.status().message();
  }
}

// JSON allows integers of any length; past 64 bits they read as doubles,
// as JavaScript (and MongoDB's tools) read them. Strings are left alone.
TEST(JsonTest, IntegersPast64BitsReadAsDoubles) {
  auto v = JsonValue::Parse(R"({"n":-9223372036854776000,"y":[12345678901234567890123],"s":"12345678901234567890123",)"
                            R"("u":18446744073709551615,"i":-9223372036854775808,"e":"\"1234567890123456789012"})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->Find("n")->number(), -9223372036854775808.0);
  EXPECT_EQ(v->Find("y")->items()[0].number(), 1.2345678901234568e22);
  EXPECT_EQ(v->Find("s")->str(), "12345678901234567890123");
  EXPECT_EQ(v->ToString(),
            R"({"n":-9.223372036854776e+18,"y":[1.2345678901234568e+22],"s":"12345678901234567890123",)"
            R"("u":18446744073709551615,"i":-9223372036854775808,"e":"\"1234567890123456789012"})");
  // Numbers out of the double range stay errors.
  EXPECT_FALSE(JsonValue::Parse("[1e400]").ok());
  EXPECT_FALSE(JsonValue::Parse("[123456789012345678901234x]").ok());
}

TEST(JsonTest, CanonicalizeRequiresAnObject) {
  std::string out;
  EXPECT_TRUE(CanonicalizeJsonObject(R"({ "k" : [1, {"z": "q"}] })", &out).ok());
  EXPECT_EQ(out, R"({"k":[1,{"z":"q"}]})");
  out.clear();
  Status st = CanonicalizeJsonObject("[1,2]", &out);
  EXPECT_EQ(st.message(), "metadata is not a JSON object (got array)");
  st = CanonicalizeJsonObject("\"text\"", &out);
  EXPECT_EQ(st.message(), "metadata is not a JSON object (got string)");
}

TEST(JsonTest, FindInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("plain"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ok\xC3\xA9"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ab\xED\xA0\x80"), 2u);  // surrogate
}

TEST(JsonTest, NumbersSurviveASecondRoundTrip) {
  // Each must come back as the same number, sign of zero included, when the
  // canonical text is parsed again.
  std::string out;
  ASSERT_TRUE(CanonicalizeJsonObject(
                  R"({"nz":-0.0,"big":1e20,"huge":-1.5e300,"half":123.5,"i":-7,"u":18446744073709551615})", &out)
                  .ok());
  EXPECT_EQ(out, R"({"nz":-0.0,"big":1e+20,"huge":-1.5e+300,"half":123.5,"i":-7,"u":18446744073709551615})");
  auto again = JsonValue::Parse(out);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(std::signbit(again->Find("nz")->number()));
  EXPECT_EQ(again->Find("nz")->number(), 0.0);
  EXPECT_EQ(again->Find("big")->number(), 1e20);
  EXPECT_EQ(again->Find("huge")->number(), -1.5e300);
  std::string twice;
  ASSERT_TRUE(CanonicalizeJsonObject(out, &twice).ok());
  EXPECT_EQ(twice, out);
}

TEST(JsonTest, DeepNestingIsRefused) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_FALSE(JsonValue::Parse(deep).ok());
}

// CanonicalizeJsonObject writes straight from the parsed document; its text
// and its errors must be exactly those of a JsonValue parse and AppendTo.
TEST(JsonTest, CanonicalizeAgreesWithParseAndAppendTo) {
  std::vector<std::string> inputs = {
      R"({})",
      R"({"a":1,"a":2,"b":[],"c":{}})",
      R"( {"s":"q\"\\\/\b\f\n\r\t\u0001\u00e9\ud83d\ude00","e":""} )",
      R"({"n":[0,-0,-0.0,1.0,1e0,2.5e-300,1.7976931348623157e308,9223372036854775807,-9223372036854775808,
             9223372036854775808,18446744073709551615,1e19,12345678901234567890.5]})",
      R"({"t":true,"f":false,"z":null,"x":[[[[{"y":[null,{"k":[1,"2",{}]}]}]]]]})",
      "{\"u\":\"\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\"}",
      R"([1])", R"("s")", R"(3)", R"(null)", R"(true)", R"({"a":})", R"({"a":1} x)", "{\"a\":\"\xff\"}", "",
  };
  std::string deep_ok, deep_bad;
  for (int i = 0; i < 256; ++i) deep_ok += "{\"k\":";
  deep_ok += "1" + std::string(256, '}');
  deep_bad = "{\"k\":" + deep_ok + "}";
  inputs.push_back(deep_ok);
  inputs.push_back(deep_bad);
  for (const std::string& text : inputs) {
    SCOPED_TRACE(text.substr(0, 80));
    std::string ours = "prefix";
    Status st = CanonicalizeJsonObject(text, &ours);
    auto v = JsonValue::Parse(text);
    if (!v.ok()) {
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.message(), v.status().message());
      EXPECT_EQ(ours, "prefix");
      continue;
    }
    if (!v->is_object()) {
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.message().rfind("metadata is not a JSON object (got ", 0), 0u) << st.message();
      EXPECT_EQ(ours, "prefix");
      continue;
    }
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(ours, "prefix" + v->ToString());
  }
}

}  // namespace
}  // namespace tributary
