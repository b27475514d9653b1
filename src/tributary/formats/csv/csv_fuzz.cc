// libFuzzer target for the CSV reader and writer.
//
// The first input byte picks the delimiter, batch size, a tiny read block
// size and whether to keep raw text; the rest is the CSV. Each input is
//   1. read to the end on the caller's thread in one block,
//   2. read again with tiny blocks, for half of the inputs on decode
//      threads: both reads must agree on every row, error, number and status;
//   3. its good rows written with the CSV writer and read back: the rows must
//      come back the same.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tributary/core/json.h"
#include "tributary/formats/csv/test_support.h"

namespace {

using namespace tributary;  // NOLINT(build/namespaces)

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "csv_fuzz: %s\n", what.c_str());
  std::abort();
}

// Metadata compares by JSON value: core/json.cc re-serialises -0 as 0 and
// some large doubles as integers the parser then refuses, so text equality
// after a second pass is not guaranteed (a core issue, not a CSV one).
bool SameJson(std::string_view a, std::string_view b) {
  if (a == b) return true;
  auto x = JsonValue::Parse(a);
  auto y = JsonValue::Parse(b);
  return x.ok() && y.ok() && *x == *y;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t knobs = data[0];
  const std::string_view csv(reinterpret_cast<const char*>(data) + 1, size - 1);
  static constexpr char kDelimiters[] = {',', '\t', ';', '|'};
  const char delimiter = kDelimiters[knobs & 3];

  ReadOptions options;
  options.delimiter = delimiter;
  options.batch_rows = 1 + ((knobs >> 2) & 3);
  options.max_record_bytes = 1024;
  options.keep_raw = (knobs & 0x80) != 0;

  // Any block larger than the input reads it whole; 1 MiB ones would only
  // spend the run on page faults.
  options.decode_threads = 1;
  auto first = csv::testing::ReadAll(std::make_unique<csv::testing::ViewInput>(csv), options, ',',
                                     size_t{64} << 10);

  // Threads make each run much slower; half of the inputs use them.
  options.decode_threads = (knobs & 0x40) ? 2 : 1;
  const size_t block = 1 + ((knobs >> 4) & 7);
  auto second = csv::testing::ReadAll(std::make_unique<csv::testing::ViewInput>(csv, 5), options,
                                      ',', block);
  if (std::string d = csv::testing::DiffReads(first, second); !d.empty()) {
    Fail("serial and threaded reads differ: " + d);
  }
  for (size_t n : first.batch_sizes) {
    if (n > options.batch_rows) Fail("batch larger than batch_rows");
  }

  // Rows whose metadata the core JSON code cannot read back are left out (see
  // SameJson); everything else must survive a write and a read.
  RecordBatch rows;
  for (size_t i = 0; i < first.rows.num_rows(); ++i) {
    if (!first.rows.metadata.IsNull(i) && !JsonValue::Parse(first.rows.metadata.Get(i)).ok()) {
      continue;
    }
    rows.AppendRowFrom(first.rows, i);
  }
  Status write_status;
  const std::string written = csv::testing::WriteAll({&rows}, delimiter, &write_status);
  if (!write_status.ok()) Fail("write failed: " + write_status.ToString());
  ReadOptions back_options;
  back_options.delimiter = delimiter;
  back_options.decode_threads = 1;
  auto back = csv::testing::ReadAll(std::make_unique<csv::testing::ViewInput>(written),
                                    back_options);
  if (!back.status.ok()) Fail("reading back failed: " + back.status.ToString());
  if (!back.errors.empty()) Fail("reading back rejected a row: " + back.errors[0].message);
  if (back.rows.num_rows() != rows.num_rows()) Fail("row count changed");
  for (size_t i = 0; i < rows.num_rows(); ++i) {
    const bool a_null = rows.metadata.IsNull(i), b_null = back.rows.metadata.IsNull(i);
    if (a_null != b_null ||
        (!a_null && !SameJson(rows.metadata.Get(i), back.rows.metadata.Get(i)))) {
      Fail("metadata changed in row " + std::to_string(i));
    }
  }
  std::string diff = csv::testing::DiffRows(rows, back.rows, /*compare_metadata=*/false);
  if (!diff.empty()) Fail("round trip changed a row: " + diff);
  return 0;
}
