#include "tributary/io/mapped_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/test_util.h"
#include "tributary/formats/format.h"
#include "tributary/io/stream.h"

namespace tributary {
namespace {

// Resident pages of this process (file-backed ones included), from statm.
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

bool MapsMention(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(path) != std::string::npos) return true;
  }
  return false;
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

TEST(MappedFileTest, MapsTheWholeFileAndUnmapsOnDestruction) {
  testing::TempDir dir;
  const std::string path = dir.File("in.txt");
  const std::string text = Pattern(3 * 4096 + 17);
  testing::WriteFileOrDie(path, text);
  {
    auto m = MappedFile::Open(path);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ((*m)->size(), text.size());
    EXPECT_EQ((*m)->data(), text);
    EXPECT_TRUE(MapsMention(path));
  }
  EXPECT_FALSE(MapsMention(path));
}

TEST(MappedFileTest, RefusesWhatItCannotMap) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("empty"), "");
  EXPECT_FALSE(MappedFile::Open(dir.File("empty")).ok());
  EXPECT_FALSE(MappedFile::Open(dir.File("missing")).ok());
  EXPECT_FALSE(MappedFile::Open(dir.path()).ok());
}

// Released pages leave the process's resident memory, and reading them
// again still gives the file's bytes.
TEST(MappedFileTest, ReleaseGivesPagesBackAndKeepsTheDataReadable) {
  testing::TempDir dir;
  const std::string path = dir.File("big.txt");
  const size_t size = size_t{32} << 20;
  const std::string text = Pattern(size);
  testing::WriteFileOrDie(path, text);
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::string_view d = (*m)->data();
  size_t sum = 0;
  for (size_t i = 0; i < size; i += 4096) sum += static_cast<unsigned char>(d[i]);
  const size_t touched = ResidentBytes();
  (*m)->Release(size - 100);  // all but the last, partial page
  const size_t released = ResidentBytes();
  EXPECT_GE(touched - released, size * 3 / 4) << "touched " << touched << " released " << released;
  (*m)->Release(size / 2);  // behind what was released: nothing to do
  EXPECT_EQ(d.substr(size / 2, 1000), std::string_view(text).substr(size / 2, 1000));
  EXPECT_EQ(d, text);
  EXPECT_GT(sum, 0u);
}

// A mapped input cut short under the reader ends the process with a message
// naming the file and exit code 3, not a bare "Bus error".
TEST(MappedFileDeathTest, AFileTruncatedWhileMappedEndsTheProcessWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  const std::string path = dir.File("shrinks.csv");
  testing::WriteFileOrDie(path, Pattern(64 * 1024));
  EXPECT_EXIT(
      {
        auto m = MappedFile::Open(path);
        if (!m.ok()) std::_Exit(99);
        if (::truncate(path.c_str(), 0) != 0) std::_Exit(98);
        volatile char c = (*m)->data()[40000];
        (void)c;
        std::_Exit(97);
      },
      ::testing::ExitedWithCode(3), "input file .*shrinks.csv became shorter");
}

// A SIGBUS that is not a mapped input's goes to the handler that was there
// before (here a test's own; in a sanitizer build that would be the
// sanitizer's).
TEST(MappedFileDeathTest, OtherBusErrorsGoToThePreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.File("x"), "x");
  EXPECT_EXIT(
      {
        struct sigaction sa {};
        sa.sa_handler = [](int) { std::_Exit(42); };
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGBUS, &sa, nullptr);
        auto m = MappedFile::Open(dir.File("x"));  // installs its handler over that one
        if (!m.ok()) std::_Exit(99);
        std::raise(SIGBUS);
        std::_Exit(97);
      },
      ::testing::ExitedWithCode(42), "");
}

// The CSV reader maps a plain file and hands the mapping back as it goes;
// its progress ends at the file's size.
TEST(MappedFileTest, CsvReaderMapsAPlainFileInput) {
  testing::TempDir dir;
  const std::string path = dir.File("records.csv");
  std::string csv = "id,document_id,values\n";
  for (int i = 0; i < 5000; ++i) {
    csv += "r" + std::to_string(i) + ",d,\"[0.5,1.5,2.5,3.5]\"\n";
  }
  testing::WriteFileOrDie(path, csv);
  for (int threads : {1, 2}) {
    auto in = OpenInput(path);
    ASSERT_TRUE(in.ok());
    ReadOptions options;
    options.decode_threads = threads;
    auto reader = OpenRecordReader(Format::kCsv, std::move(*in), options);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_TRUE(MapsMention(path));
    RecordBatch batch;
    std::vector<RowError> errors;
    size_t rows = 0;
    do {
      ASSERT_TRUE((*reader)->ReadNext(&batch, &errors).ok());
      rows += batch.num_rows();
    } while (batch.num_rows() > 0);
    EXPECT_EQ(rows, 5000u);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ((*reader)->bytes_read(), csv.size());
    reader->reset();
    EXPECT_FALSE(MapsMention(path));
  }
}

}  // namespace
}  // namespace tributary
