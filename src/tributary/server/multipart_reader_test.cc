#include "tributary/server/multipart_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tributary {
namespace {

struct Parsed {
  struct Item {
    std::string name, filename, data;
    bool has_filename;
  };
  std::vector<Item> parts;
  bool ok = false;
  std::string error;
};

// Parses body fed in pieces of the given sizes (cycled); 0 = all at once.
Parsed Parse(const std::string& body, const std::string& boundary, std::vector<size_t> pieces = {0}) {
  Parsed out;
  MultipartReader r(
      boundary,
      [&](const MultipartReader::Part& p) {
        out.parts.push_back({p.name, p.filename, "", p.has_filename});
        return true;
      },
      [&](const char* d, size_t n) {
        out.parts.back().data.append(d, n);
        return true;
      });
  size_t at = 0, i = 0;
  out.ok = true;
  while (at < body.size() && out.ok) {
    size_t n = pieces[i++ % pieces.size()];
    if (n == 0 || n > body.size() - at) n = body.size() - at;
    out.ok = r.Feed(body.data() + at, n);
    at += n;
  }
  if (out.ok) out.ok = r.Finish();
  out.error = r.error();
  return out;
}

std::string Body(const std::string& b, const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::string& file) {
  std::string s;
  for (const auto& [k, v] : fields) s += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  s += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.jsonl\"\r\n"
       "Content-Type: application/octet-stream\r\n\r\n" + file + "\r\n--" + b + "--\r\n";
  return s;
}

TEST(MultipartReaderTest, BoundaryFromContentType) {
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data; boundary=abc123"), "abc123");
  EXPECT_EQ(MultipartReader::BoundaryOf("Multipart/Form-Data;boundary=\"a b;c\""), "a b;c");
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data; charset=utf-8; boundary=x"), "x");
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data"), "");
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data; boundary="), "");
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data; boundary=\"unterminated"), "");
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data; boundary=" + std::string(71, 'a')), "");
  EXPECT_EQ(MultipartReader::BoundaryOf("application/json; boundary=x"), "");
}

TEST(MultipartReaderTest, FieldsAndFileInEveryPieceSize) {
  // Data full of near-delimiters: CR, CRLF, CRLF--, a boundary prefix.
  std::string file;
  for (int i = 0; i < 300; ++i) {
    file += "{\"id\":" + std::to_string(i) + "}\r\n";
    if (i % 7 == 0) file += "\r\n--";
    if (i % 11 == 0) file += "\r\n--bound";
    if (i % 13 == 0) file += "\r";
  }
  std::string body = Body("boundary42", {{"format", "jsonl"}, {"batch_size", "50"}}, file);
  for (size_t piece : {0, 1, 2, 3, 5, 13, 14, 15, 16, 64, 4096}) {
    Parsed p = Parse(body, "boundary42", {piece});
    ASSERT_TRUE(p.ok) << piece << ": " << p.error;
    ASSERT_EQ(p.parts.size(), 3u) << piece;
    EXPECT_EQ(p.parts[0].name, "format");
    EXPECT_EQ(p.parts[0].data, "jsonl");
    EXPECT_FALSE(p.parts[0].has_filename);
    EXPECT_EQ(p.parts[1].data, "50");
    EXPECT_EQ(p.parts[2].name, "file");
    EXPECT_EQ(p.parts[2].filename, "v.jsonl");
    EXPECT_TRUE(p.parts[2].has_filename);
    EXPECT_EQ(p.parts[2].data, file) << piece;
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<size_t> pieces;
    for (int i = 0; i < 20; ++i) pieces.push_back(1 + rng() % 40);
    Parsed p = Parse(body, "boundary42", pieces);
    ASSERT_TRUE(p.ok) << p.error;
    ASSERT_EQ(p.parts.size(), 3u);
    EXPECT_EQ(p.parts[2].data, file);
  }
}

// Consume() never copies: a caller that presents the unused bytes again with
// the next bytes after them gets every byte of every part as a slice of its
// own buffer, and the same parts as Feed() gives.
TEST(MultipartReaderTest, ConsumeHandsOutSlicesOfTheCallersBuffer) {
  std::string file;
  for (int i = 0; i < 500; ++i) {
    file += "{\"id\":" + std::to_string(i) + "}\r\n";
    if (i % 7 == 0) file += "\r\n--";
    if (i % 11 == 0) file += "\r\n--bound";
  }
  const std::string body = "preamble\r\n" + Body("boundary42", {{"format", "jsonl"}}, file) + "epilogue";
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    const size_t max_piece = round < 10 ? static_cast<size_t>(round + 1) : 1 + rng() % 5000;
    std::vector<std::string> data;
    MultipartReader r(
        "boundary42",
        [&](const MultipartReader::Part&) {
          data.emplace_back();
          return true;
        },
        [&](const char* d, size_t n) {
          EXPECT_GE(d, body.data());
          EXPECT_LE(d + n, body.data() + body.size());
          data.back().append(d, n);
          return true;
        });
    size_t received = 0, used = 0;
    while (received < body.size()) {
      received = std::min(body.size(), received + 1 + rng() % max_piece);
      size_t k = r.Consume(body.data() + used, received - used);
      ASSERT_NE(k, MultipartReader::kStop) << r.error();
      used += k;
      // Left over: a part's headers, or less than a delimiter.
      ASSERT_LE(received - used, size_t{16 << 10}) << round;
    }
    ASSERT_TRUE(r.Finish()) << r.error();
    ASSERT_EQ(data.size(), 2u);
    EXPECT_EQ(data[0], "jsonl");
    EXPECT_EQ(data[1], file) << round;
  }
}

TEST(MultipartReaderTest, PreambleEpiloguePaddingEmptyParts) {
  std::string body = "preamble text\r\nmore\r\n--b1 \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n"
                     "--b1\r\ncontent-disposition: FORM-DATA; name=a2; filename=\"x\\\"y.csv\"\r\n\r\nv\r\n"
                     "--b1--\r\nepilogue --b1\r\n";
  for (size_t piece : {0, 1, 7}) {
    Parsed p = Parse(body, "b1", {piece});
    ASSERT_TRUE(p.ok) << p.error;
    ASSERT_EQ(p.parts.size(), 2u);
    EXPECT_EQ(p.parts[0].data, "");
    EXPECT_EQ(p.parts[1].name, "a2");
    EXPECT_EQ(p.parts[1].filename, "x\"y.csv");
    EXPECT_EQ(p.parts[1].data, "v");
  }
}

TEST(MultipartReaderTest, MalformedBodiesAreRefusedWithAReason) {
  auto error_of = [](const std::string& body) {
    Parsed p = Parse(body, "b1", {3});
    EXPECT_FALSE(p.ok) << body;
    return p.error;
  };
  // Truncated: no closing delimiter.
  EXPECT_NE(error_of("--b1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc").find("ended before"),
            std::string::npos);
  EXPECT_NE(error_of("no boundary at all").find("no multipart boundary"), std::string::npos);
  EXPECT_NE(error_of("--b1\r\nX-Other: 1\r\n\r\nv\r\n--b1--").find("no Content-Disposition"), std::string::npos);
  EXPECT_NE(error_of("--b1\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b1--").find("no name"), std::string::npos);
  EXPECT_NE(error_of("--b1\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--b1--").find("not form-data"),
            std::string::npos);
  EXPECT_NE(error_of("--b1\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--b1--").find("unterminated"),
            std::string::npos);
  EXPECT_NE(error_of("--b1\r\nbroken header\r\n\r\nv\r\n--b1--").find("no ':'"), std::string::npos);
  EXPECT_NE(error_of("--b1x\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b1--").find("text after"),
            std::string::npos);
  EXPECT_NE(error_of("--b1\r\nX: " + std::string(20000, 'h') + "\r\n\r\nv\r\n--b1--").find("16 KiB"),
            std::string::npos);
}

TEST(MultipartReaderTest, ACallbackCanStopTheParse) {
  std::string body = Body("b", {}, std::string(10000, 'x'));
  size_t seen = 0;
  MultipartReader r("b", [](const MultipartReader::Part&) { return true; },
                    [&](const char*, size_t n) {
                      seen += n;
                      return seen < 100;
                    });
  bool ok = true;
  for (size_t at = 0; at < body.size() && ok; at += 64) ok = r.Feed(body.data() + at, std::min<size_t>(64, body.size() - at));
  EXPECT_FALSE(ok);
  EXPECT_TRUE(r.error().empty());
  EXPECT_LT(seen, 200u);
}

}  // namespace
}  // namespace tributary
