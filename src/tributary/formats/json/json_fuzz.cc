// libFuzzer target for the JSON and JSONL readers.
//
// The input is read as JSONL and as JSON, each twice: once in a single block
// and once in tiny blocks that split records everywhere; then the same again
// as MongoDB Extended JSON / shell syntax. Both reads must
// agree on every row, error and final status. Rows must also survive a
// write/read round trip, metadata must be canonical, and every error's
// data_json must be valid JSON.
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/formats/format.h"
#include "tributary/formats/json/json_reader.h"
#include "tributary/io/stream.h"

namespace tributary::json_internal {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "json_fuzz: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

struct Run {
  RecordBatch rows;
  std::vector<RowError> errors;
  Status status;
  int64_t records_read = 0;
};

Run ReadAll(Framing framing, const std::string& text, const ReadOptions& options, size_t block) {
  Run run;
  auto reader = OpenReader(framing, MemoryInput(text), options, ReaderTuning{block});
  Check(reader.ok(), "open failed");
  RecordBatch batch;
  for (;;) {
    std::vector<RowError> errors;
    Status st = (*reader)->ReadNext(&batch, &errors);
    if (!st.ok()) {
      Check(batch.num_rows() == 0 && errors.empty(), "a failed ReadNext handed out data");
      run.status = st;
      break;
    }
    if (batch.num_rows() == 0 && errors.empty()) break;
    Check(batch.num_rows() <= options.batch_rows, "batch over batch_rows");
    Check(batch.num_rows() + errors.size() <= 4 * options.batch_rows, "too many records in one call");
    for (size_t i = 0; i < batch.num_rows(); ++i) run.rows.AppendRowFrom(batch, i);
    for (auto& e : errors) run.errors.push_back(std::move(e));
  }
  run.records_read = (*reader)->records_read();
  return run;
}

void CheckSameRows(const RecordBatch& a, const RecordBatch& b, bool compare_origin) {
  Check(a.num_rows() == b.num_rows(), "row counts differ");
  for (size_t r = 0; r < a.num_rows(); ++r) {
    if (compare_origin) {
      Check(a.origin[r].row == b.origin[r].row && a.origin[r].line == b.origin[r].line, "origins differ");
    }
    for (Field f : AllFields()) {
      switch (FieldTypeOf(f)) {
        case FieldType::kString:
        case FieldType::kJsonObject:
          Check(a.strings(f).IsNull(r) == b.strings(f).IsNull(r), "string nullness differs");
          Check(a.strings(f).Get(r) == b.strings(f).Get(r), "strings differ");
          break;
        case FieldType::kInt64:
        case FieldType::kTimestamp:
          Check(a.ints(f).IsNull(r) == b.ints(f).IsNull(r), "int nullness differs");
          Check(a.ints(f).Get(r) == b.ints(f).Get(r), "ints differ");
          break;
        case FieldType::kVector: {
          Check(a.values.IsNull(r) == b.values.IsNull(r), "vector nullness differs");
          auto va = a.values.Get(r), vb = b.values.Get(r);
          Check(va.size() == vb.size(), "vector lengths differ");
          for (size_t k = 0; k < va.size(); ++k) {
            Check(std::bit_cast<uint32_t>(va[k]) == std::bit_cast<uint32_t>(vb[k]), "floats differ");
          }
          break;
        }
      }
    }
  }
  Check(a.raw.size() == b.raw.size(), "raw counts differ");
  for (size_t r = 0; r < a.raw.size(); ++r) Check(a.raw.Get(r) == b.raw.Get(r), "raw differs");
}

void CheckSameRuns(const Run& a, const Run& b) {
  CheckSameRows(a.rows, b.rows, true);
  Check(a.errors.size() == b.errors.size(), "error counts differ");
  for (size_t i = 0; i < a.errors.size(); ++i) {
    const RowError &x = a.errors[i], &y = b.errors[i];
    Check(x.origin.row == y.origin.row && x.origin.line == y.origin.line, "error origins differ");
    Check(x.by_line == y.by_line, "error kinds differ");
    Check(x.message == y.message, "error messages differ");
    Check(x.data_json == y.data_json, "error data differs");
    Check(x.raw == y.raw, "error raw differs");
  }
  Check(a.status.code() == b.status.code() && a.status.message() == b.status.message(),
        "final statuses differ");
  Check(a.records_read == b.records_read, "record counts differ");
}

void CheckInvariants(const Run& run) {
  const RecordBatch& rows = run.rows;
  for (size_t r = 0; r < rows.num_rows(); ++r) {
    Check(rows.origin[r].row >= 1 && rows.origin[r].line >= 1, "bad origin");
    if (r > 0) Check(rows.origin[r].row > rows.origin[r - 1].row, "rows out of order");
    if (!rows.metadata.IsNull(r)) {
      auto meta = JsonValue::Parse(rows.metadata.Get(r));
      Check(meta.ok() && meta->is_object(), "metadata is not a JSON object");
      Check(meta->ToString() == rows.metadata.Get(r), "metadata is not canonical");
    }
  }
  for (const RowError& e : run.errors) {
    Check(e.origin.row >= 1 && e.origin.line >= 1, "bad error origin");
    Check(!e.message.empty(), "empty error message");
    Check(JsonValue::Parse(e.data_json).ok(), "error data_json is not JSON");
  }
}

// What the writer makes of the rows reads back as the same rows.
void CheckRoundTrip(const Run& run, const ReadOptions& read_options) {
  if (run.rows.num_rows() == 0) return;
  for (Format format : {Format::kJsonl, Format::kJson}) {
    std::string sink;
    auto out = MemoryOutput(&sink);
    auto writer = format == Format::kJsonl ? internal::OpenJsonlWriter(out.get(), {})
                                           : internal::OpenJsonWriter(out.get(), {});
    Check(writer.ok(), "open writer failed");
    Check((*writer)->Write(run.rows).ok(), "write failed");
    Check((*writer)->Finish().ok(), "finish failed");
    Check(out->Close().ok(), "close failed");
    ReadOptions options;
    options.allow_non_finite = read_options.allow_non_finite;
    options.batch_rows = 1000;
    Run again = ReadAll(format == Format::kJsonl ? Framing::kLines : Framing::kArray, sink, options,
                        sink.size() + 1);
    Check(again.status.ok(), "round trip: stream error");
    Check(again.errors.empty(), "round trip: row error");
    RecordBatch expected = run.rows;
    expected.raw.Clear();
    CheckSameRows(again.rows, expected, false);
  }
}

}  // namespace
}  // namespace tributary::json_internal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tributary;
  using namespace tributary::json_internal;
  if (size > (1u << 16)) return 0;
  // The first byte picks options, so the fuzzer explores them too.
  const uint8_t knobs = size > 0 ? data[0] : 0;
  const std::string text(reinterpret_cast<const char*>(data), size);

  ReadOptions options;
  options.batch_rows = 1 + knobs % 4;
  options.max_record_bytes = 1024;
  options.keep_raw = (knobs & 0x04) != 0;
  options.allow_non_finite = (knobs & 0x08) != 0;
  options.unknown_fields = (knobs & 0x30) == 0x10   ? UnknownFieldPolicy::kIgnore
                           : (knobs & 0x30) == 0x20 ? UnknownFieldPolicy::kReject
                                                    : UnknownFieldPolicy::kMetadata;
  if (knobs & 0x40) options.generate_ids = IdGeneration::kRowNumber;
  if (knobs & 0x80) (void)options.mapping.Add("values=v");

  const size_t small_block = 1 + size % 7;
  for (Framing framing : {Framing::kLines, Framing::kArray}) {
    // One read holds the whole input, as a 1 MiB block would.
    Run big = ReadAll(framing, text, options, size + 1);
    Run small = ReadAll(framing, text, options, small_block);
    CheckSameRuns(big, small);
    CheckInvariants(big);
    CheckRoundTrip(big, options);
  }
  // As --format mongo-json reads: Extended JSON and mongo shell syntax, whose
  // quotes and regular expressions the array framer must follow across reads.
  ReadOptions shell = options;
  shell.mongo_extended_json = true;
  for (Framing framing : {Framing::kLines, Framing::kArray}) {
    Run big = ReadAll(framing, text, shell, size + 1);
    Run small = ReadAll(framing, text, shell, small_block);
    CheckSameRuns(big, small);
    CheckInvariants(big);
  }
  return 0;
}
