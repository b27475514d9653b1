#include "tributary/io/stream.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_util.h"
#include "tributary/io/sha256.h"

namespace tributary {
namespace {

std::string ReadAll(InputStream* in) {
  std::string out;
  char buf[4096];
  while (true) {
    auto n = in->Read(buf, sizeof(buf));
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

std::string Payload() {
  std::string s;
  for (int i = 0; i < 100000; ++i) s += "{\"id\":\"" + std::to_string(i) + "\"}\n";
  return s;
}

class CompressionRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressionRoundTrip, FileWriteThenReadDetectsCodec) {
  testing::TempDir dir;
  std::string path = dir.File("data.jsonl");
  auto out = OpenOutput(path, GetParam());
  ASSERT_TRUE(out.ok());
  std::string payload = Payload();
  ASSERT_TRUE((*out)->Write(payload).ok());
  ASSERT_TRUE((*out)->Close().ok());
  std::string on_disk = testing::ReadFileOrDie(path);
  EXPECT_EQ((*out)->bytes_written(), on_disk.size());
  EXPECT_EQ((*out)->sha256_hex(), Sha256::HexOf(on_disk));
  auto in = OpenInput(path);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(ReadAll(in->get()), payload);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressionRoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kZstd));

TEST(StreamTest, OutputIsInvisibleUntilClose) {
  testing::TempDir dir;
  std::string path = dir.File("out.csv");
  {
    auto out = OpenOutput(path, Compression::kNone);
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->Write("partial").ok());
    EXPECT_FALSE(std::filesystem::exists(path));
    // Destroyed without Close: nothing appears, no temp file is left.
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StreamTest, MultiMemberGzip) {
  std::string a, b;
  {
    auto o = MemoryOutput(&a, Compression::kGzip);
    ASSERT_TRUE(o->Write("first\n").ok());
    ASSERT_TRUE(o->Close().ok());
  }
  {
    auto o = MemoryOutput(&b, Compression::kGzip);
    ASSERT_TRUE(o->Write("second\n").ok());
    ASSERT_TRUE(o->Close().ok());
  }
  auto in = MemoryInput(a + b);
  EXPECT_EQ(ReadAll(in.get()), "first\nsecond\n");
}

TEST(StreamTest, TruncatedCompressedInputIsAnError) {
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    std::string z;
    auto o = MemoryOutput(&z, c);
    ASSERT_TRUE(o->Write(Payload()).ok());
    ASSERT_TRUE(o->Close().ok());
    auto in = MemoryInput(z.substr(0, z.size() / 2), "half");
    char buf[65536];
    Status st;
    while (true) {
      auto n = in->Read(buf, sizeof(buf));
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
    }
    EXPECT_TRUE(st.IsInvalidData()) << CompressionName(c);
    EXPECT_NE(st.message().find("half"), std::string::npos) << st.message();
  }
}

TEST(StreamTest, MissingFileNamesThePath) {
  auto in = OpenInput("/nonexistent/dir/file.jsonl");
  ASSERT_FALSE(in.ok());
  EXPECT_NE(in.status().message().find("/nonexistent/dir/file.jsonl"), std::string::npos);
}

TEST(StreamTest, PeekKeepsBytes) {
  std::unique_ptr<InputStream> in = MemoryInput("hello world");
  auto head = PeekInput(&in, 5);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, "hello");
  EXPECT_EQ(ReadAll(in.get()), "hello world");
}

TEST(StreamTest, CodecFromPath) {
  EXPECT_EQ(CompressionFromPath("a.jsonl.gz"), Compression::kGzip);
  EXPECT_EQ(CompressionFromPath("a.csv.zst"), Compression::kZstd);
  EXPECT_EQ(CompressionFromPath("a.csv"), Compression::kNone);
  EXPECT_EQ(StripCompressionExtension("a.jsonl.gz"), "a.jsonl");
}

}  // namespace
}  // namespace tributary
