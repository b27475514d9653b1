#include "tributary/jobs/upload_feed.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "tests/test_util.h"

namespace tributary {
namespace {

std::string Pattern(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads the whole upload through OpenTail on another thread while it arrives.
class TailReader {
 public:
  explicit TailReader(std::shared_ptr<UploadFeed> feed) {
    thread_ = std::thread([this, feed] {
      auto in = feed->OpenTail("upload");
      if (!in.ok()) {
        status_ = in.status();
        return;
      }
      std::string buf(100000, '\0');
      while (true) {
        auto n = (*in)->Read(buf.data(), 1 + rng_() % buf.size());
        if (!n.ok()) {
          status_ = n.status();
          return;
        }
        if (*n == 0) return;
        got_.append(buf.data(), *n);
      }
    });
  }
  // Waits for the reader: what it read, and how it ended.
  const std::string& Join(Status* st) {
    thread_.join();
    *st = status_;
    return got_;
  }

 private:
  std::mt19937 rng_{5};
  std::string got_;
  Status status_;
  std::thread thread_;  // last: starts once the members it fills exist
};

TEST(UploadFeedTest, PiecesFromElsewhereAreCopiedWrittenAndRead) {
  testing::TempDir dir;
  const std::string data = Pattern(3 * UploadFeed::kWindowBytes + 12345, 1);
  auto feed = std::make_shared<UploadFeed>(dir.File("upload.part"), dir.File("upload"), -1);
  ASSERT_EQ(feed->Open(), 0);
  TailReader reader(feed);
  std::mt19937 rng(2);
  for (size_t at = 0; at < data.size();) {
    size_t n = std::min<size_t>(data.size() - at, 1 + rng() % 300000);
    ASSERT_EQ(feed->Write(data.data() + at, n), 0);
    at += n;
  }
  ASSERT_EQ(feed->Close(), 0);
  ASSERT_TRUE(feed->Complete().ok());
  Status st;
  EXPECT_EQ(reader.Join(&st), data);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(FileText(dir.File("upload")), data);
  EXPECT_GE(feed->bytes_copied(), data.size());
}

// The handler's way: the body is received into the spool's own memory, the
// file's bytes are passed on as slices of it, and bytes not used yet (a
// parser waiting for more) stay in front of the next receive, also when the
// chunk changes. Apart from the bytes before the file and what crosses into
// a new chunk, nothing is copied.
TEST(UploadFeedTest, BytesReceivedInPlaceAreNotCopied) {
  testing::TempDir dir;
  const std::string head = "--headers before the file--";
  const std::string file = Pattern(6 * UploadFeed::kWindowBytes + 777, 3);
  const std::string body = head + file + "--after--";
  auto feed = std::make_shared<UploadFeed>(dir.File("upload.part"), dir.File("upload"), -1);
  ASSERT_EQ(feed->Open(), 0);
  TailReader reader(feed);
  std::mt19937 rng(4);
  const char* unused = nullptr;
  size_t received = 0;  // of the body
  size_t used = 0;      // of the body
  size_t chunks = 0;
  const char* expected_at = nullptr;  // where the next receive goes if the chunk stays
  while (received < body.size()) {
    char* at;
    size_t room;
    ASSERT_EQ(feed->ReceiveSpace(&unused, &at, &room), 0);
    ASSERT_GE(room, UploadFeed::kMinReceive);
    if (expected_at != nullptr && at != expected_at) ++chunks;
    size_t n = std::min(body.size() - received, 1 + rng() % room);
    std::memcpy(at, body.data() + received, n);  // the socket's recv()
    feed->Received(n);
    received += n;
    ASSERT_EQ(std::string_view(unused, at + n - unused), std::string_view(body).substr(used, received - used));
    // A parser that leaves up to 80 bytes for later (none at the end).
    size_t usable = received - used;
    size_t take = received == body.size() ? usable : usable - std::min<size_t>(usable, rng() % 81);
    size_t file_from = std::max(used, head.size());
    size_t file_to = std::min(used + take, head.size() + file.size());
    if (file_to > file_from) {
      ASSERT_EQ(feed->Write(unused + (file_from - used), file_to - file_from), 0);
    }
    unused += take;
    used += take;
    expected_at = at + n;
  }
  ASSERT_EQ(feed->Close(), 0);
  ASSERT_TRUE(feed->Complete().ok());
  Status st;
  EXPECT_EQ(reader.Join(&st), file);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(FileText(dir.File("upload")), file);
  EXPECT_GT(chunks, 40u);
  // The first receive's file bytes moved down over the head, once; then per
  // chunk a partial block and the unused bytes.
  EXPECT_LE(feed->bytes_copied(), UploadFeed::kChunkBytes + chunks * (4096 + 80)) << chunks;
  EXPECT_LT(feed->bytes_copied(), file.size() / 20);
}

// A failed upload: the reader gets what arrived, then the reason.
TEST(UploadFeedTest, AFailedUploadEndsTheReaderWithTheReason) {
  testing::TempDir dir;
  const std::string data = Pattern(5 << 20, 6);
  auto feed = std::make_shared<UploadFeed>(dir.File("upload.part"), dir.File("upload"), -1);
  ASSERT_EQ(feed->Open(), 0);
  TailReader reader(feed);
  ASSERT_EQ(feed->Write(data.data(), data.size()), 0);
  feed->Fail("the client closed the connection");
  Status st;
  const std::string& got = reader.Join(&st);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("the client closed the connection"), std::string::npos) << st.ToString();
  EXPECT_LE(got.size(), data.size());
  EXPECT_EQ(got, data.substr(0, got.size()));
}

}  // namespace
}  // namespace tributary
