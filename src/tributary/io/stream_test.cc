#include "tributary/io/stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <thread>

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

// A new output file is written with O_DIRECT where the file system allows
// it (the test directory is on the same disk as the data), in whole aligned
// blocks with the tail written last. Every size around the block and buffer
// boundaries must come back byte for byte, hashed and counted.
TEST(StreamTest, FileOutputKeepsEveryByteAroundBlockAndBufferBoundaries) {
  testing::TempDir dir;
  std::mt19937_64 rng(7);
  constexpr size_t kMiB = size_t{1} << 20;
  const size_t totals[] = {0, 1, 4095, 4096, 4097, 65536 + 3, 4 * kMiB - 1, 4 * kMiB,
                           4 * kMiB + 1, 9 * kMiB + 12345, 21 * kMiB + 777};
  for (size_t total : totals) {
    std::string payload(total, '\0');
    for (char& c : payload) c = static_cast<char>('a' + rng() % 26);
    const std::string path = dir.File("out-" + std::to_string(total) + ".txt");
    auto out = OpenOutput(path, Compression::kNone);
    ASSERT_TRUE(out.ok());
    // Pieces of odd sizes, and one larger than the output's buffer.
    size_t pos = 0, piece = 1;
    while (pos < total) {
      const size_t n = std::min(total - pos, piece);
      ASSERT_TRUE((*out)->Write(std::string_view(payload).substr(pos, n)).ok());
      pos += n;
      piece = piece < kMiB ? piece * 7 + 3 : 5 * kMiB + 17;
    }
    ASSERT_TRUE((*out)->Close().ok()) << total;
    const std::string on_disk = testing::ReadFileOrDie(path);
    ASSERT_EQ(on_disk.size(), total);
    EXPECT_TRUE(on_disk == payload) << "contents differ at size " << total;
    EXPECT_EQ((*out)->bytes_written(), total);
    EXPECT_EQ((*out)->sha256_hex(), Sha256::HexOf(payload));
  }
}

// A write that fails on the output's writer thread (here: past the process's
// file size limit) is reported by a later Write or by Close, with the path,
// and the output never appears.
TEST(StreamTest, FileOutputReportsAWriteErrorAndLeavesNothing) {
  testing::TempDir dir;
  const std::string path = dir.File("limited.jsonl");
  Status st;
  {
    testing::ScopedFileSizeLimit limit(6 << 20);
    auto out = OpenOutput(path, Compression::kNone);
    ASSERT_TRUE(out.ok());
    const std::string piece(1 << 20, 'x');
    for (int i = 0; i < 32 && st.ok(); ++i) st = (*out)->Write(piece);
    if (st.ok()) st = (*out)->Close();
  }
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot write"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// Destroyed with full buffers still queued for its writer thread: no
// output, no temp file.
TEST(StreamTest, FileOutputDroppedMidStreamLeavesNothing) {
  testing::TempDir dir;
  const std::string path = dir.File("dropped.jsonl");
  {
    auto out = OpenOutput(path, Compression::kNone);
    ASSERT_TRUE(out.ok());
    const std::string piece(3 << 20, 'y');
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*out)->Write(piece).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

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

// An inner stream that records what reaches it, failing on request.
class RecordingStream final : public OutputStream {
 public:
  explicit RecordingStream(std::string* sink, size_t fail_after = SIZE_MAX)
      : sink_(sink), fail_after_(fail_after) {}
  Status Write(std::string_view data) override {
    if (sink_->size() + data.size() > fail_after_) return Status::IOError("disk full (test)");
    sink_->append(data);
    return Status::OK();
  }
  Status Close() override {
    closed = true;
    return Status::OK();
  }
  uint64_t bytes_written() const override { return sink_->size(); }
  std::string sha256_hex() const override { return "x"; }
  bool closed = false;

 private:
  std::string* sink_;
  size_t fail_after_;
};

TEST(AsyncOutputTest, WritesEverythingInOrder) {
  std::string sink, expected;
  auto out = AsyncOutput(std::make_unique<RecordingStream>(&sink));
  std::mt19937 rng(3);
  for (int i = 0; i < 300; ++i) {
    std::string piece(rng() % 200000, static_cast<char>('a' + i % 26));
    expected += piece;
    if (i % 2) {
      ASSERT_TRUE(out->Write(piece).ok());
    } else {
      ASSERT_TRUE(out->WriteBuffer(&piece).ok());
      EXPECT_TRUE(piece.empty());
    }
  }
  ASSERT_TRUE(out->Close().ok());
  EXPECT_EQ(sink.size(), expected.size());
  EXPECT_TRUE(sink == expected);
  EXPECT_EQ(out->bytes_written(), expected.size());
}

// An inner stream that is slower than its caller while `slow` is set.
class SometimesSlowStream final : public OutputStream {
 public:
  explicit SometimesSlowStream(const std::atomic<bool>* slow) : slow_(slow) {}
  Status Write(std::string_view data) override {
    if (slow_->load()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    bytes_ += data.size();
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t bytes_written() const override { return bytes_; }
  std::string sha256_hex() const override { return "x"; }

 private:
  const std::atomic<bool>* slow_;
  uint64_t bytes_ = 0;
};

// The buffers WriteBuffer gives back are ones already used, with their
// capacity, however the writer's pace and the caller's alternate: new ones
// are made only until a fixed number circulate (AsyncOutput's kMaxBuffers,
// 5), so the caller grows an empty one from nothing at most that many times.
TEST(AsyncOutputTest, BuffersCirculateWithTheirCapacity) {
  std::atomic<bool> slow{true};
  auto out = AsyncOutput(std::make_unique<SometimesSlowStream>(&slow));
  constexpr size_t kPiece = size_t{1} << 20;
  constexpr int kPieces = 160;
  std::string piece;
  int fresh = 0;
  for (int i = 0; i < kPieces; ++i) {
    // Phases of 10: the writer behind (the queue fills), then the caller
    // behind (the queue drains).
    const bool writer_behind = (i / 10) % 2 == 0;
    slow.store(writer_behind);
    if (!writer_behind) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    piece.assign(kPiece, 'p');
    ASSERT_TRUE(out->WriteBuffer(&piece).ok());
    ASSERT_TRUE(piece.empty());
    if (piece.capacity() < kPiece) ++fresh;
  }
  ASSERT_TRUE(out->Close().ok());
  EXPECT_EQ(out->bytes_written(), kPieces * kPiece);
  EXPECT_LE(fresh, 5);
}

TEST(AsyncOutputTest, InnerErrorsReachTheCaller) {
  std::string sink;
  auto out = AsyncOutput(std::make_unique<RecordingStream>(&sink, size_t{10} << 20));
  Status st;
  std::string piece(1 << 20, 'z');
  for (int i = 0; i < 64 && st.ok(); ++i) st = out->Write(piece);
  if (st.ok()) st = out->Close();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("disk full"), std::string::npos) << st.message();
}

TEST(AsyncOutputTest, DestroyedUnclosedLeavesNoFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/out.jsonl";
  {
    auto file = OpenOutput(path, Compression::kNone);
    ASSERT_TRUE(file.ok());
    auto out = AsyncOutput(std::move(*file));
    ASSERT_TRUE(out->Write(std::string(9 << 20, 'q')).ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace tributary
