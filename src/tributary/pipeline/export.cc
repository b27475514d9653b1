#include "tributary/pipeline/export.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "tributary/core/bounded_queue.h"
#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/filter/filter.h"
#include "tributary/formats/format.h"
#include "tributary/pipeline/job_json.h"

namespace tributary {
namespace {

struct ScannedBatch {
  std::unique_ptr<RecordBatch> batch;
  Status status;
  bool end = false;
};

}  // namespace

std::string NewJobId() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^
                                          (static_cast<uint64_t>(std::random_device{}()) << 32)};
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

Status ExportOptions::Validate() const {
  if (collection.name.empty()) return Status::InvalidArgument("a collection name is required");
  if (output_path.empty()) return Status::InvalidArgument("an output file is required");
  if (limit < -1) return Status::InvalidArgument("limit must not be negative");
  if (batch_rows == 0) return Status::InvalidArgument("batch size must be at least 1");
  return Status::OK();
}

Result<ExportReport> RunExport(Store* store, const ExportOptions& opts, const ExportProgressFn& progress,
                               const std::atomic<bool>* cancel) {
  TRIB_RETURN_NOT_OK(opts.Validate());
  ExportReport report;
  report.job_id = opts.job_id.empty() ? NewJobId() : opts.job_id;
  report.collection = opts.collection;
  report.started_at = NowMicros();
  report.output_path = opts.output_path;
  report.format = opts.format ? *opts.format : FormatFromPath(opts.output_path).value_or(Format::kJsonl);

  TRIB_ASSIGN_OR_RETURN(Filter filter, Filter::Parse(opts.filter_json));
  TRIB_ASSIGN_OR_RETURN(CollectionInfo info, store->GetCollection(opts.collection));
  const Filter* f = filter.matches_all() ? nullptr : &filter;
  int64_t total = info.count;
  if (f) {
    TRIB_ASSIGN_OR_RETURN(total, store->Count(opts.collection, f));
  }
  if (opts.limit >= 0) total = std::min(total, opts.limit);
  report.total_vectors = total;

  ScanOptions so;
  so.filter = f;
  so.limit = opts.limit;
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordIterator> it, store->Scan(opts.collection, so));

  Compression compression = opts.compression ? *opts.compression : CompressionFromPath(opts.output_path);
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<OutputStream> file, OpenOutput(opts.output_path, compression));
  // Compression and the copy into the file's buffers run on their own
  // thread, beside encoding (which the text writers spread over the cores);
  // an O_DIRECT file output hashes and writes on threads of its own.
  std::unique_ptr<OutputStream> out = AsyncOutput(std::move(file));
  WriteOptions wo = opts.write;
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<RecordWriter> writer, OpenRecordWriter(report.format, out.get(), wo));

  // Scan on a separate thread, ahead of encoding: up to kScanAhead batches
  // or kScanAheadBytes, whichever comes first. On two cores the scanner
  // competes with the encoders and the hasher for CPU; two batches ahead, a
  // few milliseconds without it left the encoders waiting (JSONL export
  // 0.57 s median against 0.47 s sixteen ahead). Four MiB (four batches of
  // 768 dimensions) keep them fed as well as 16 MiB did, and every megabyte
  // not touched is a megabyte the kernel does not have to fault in and zero
  // (on a virtual machine, about 0.7 ms of CPU each). Batch objects are made
  // as the queue first needs them, then reused.
  constexpr size_t kScanAhead = 16;
  constexpr size_t kScanAheadBytes = size_t{4} << 20;
  BoundedQueue<ScannedBatch> scanned(kScanAhead, kScanAheadBytes);
  BoundedQueue<std::unique_ptr<RecordBatch>> free_batches(kScanAhead + 2);
  std::thread scanner([&] {
    size_t made = 0;
    while (true) {
      ScannedBatch sb;
      if (!TakeOrMake(&free_batches, &scanned, kScanAhead + 2, kScanAheadBytes, &made, &sb.batch)) break;
      sb.status = it->Next(opts.batch_rows, sb.batch.get());
      sb.end = !sb.status.ok() || sb.batch->num_rows() == 0;
      const bool end = sb.end;
      const size_t bytes = sb.batch->ByteSize();
      if (!scanned.Push(std::move(sb), bytes) || end) break;
    }
    scanned.Close();
  });

  Status st;
  bool cancelled = false;
  auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  ScannedBatch sb;
  while (scanned.Pop(&sb)) {
    if (!sb.status.ok()) {
      st = sb.status;
      break;
    }
    if (sb.end) break;
    st = writer->Write(*sb.batch);
    if (!st.ok()) break;
    report.exported_vectors += static_cast<int64_t>(sb.batch->num_rows());
    sb.batch->Clear();
    free_batches.Push(std::move(sb.batch));
    if (cancel && cancel->load()) {
      cancelled = true;
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (progress && now - last > std::chrono::milliseconds(200)) {
      last = now;
      ExportProgress p;
      p.exported = report.exported_vectors;
      p.total = total;
      p.percentage = total > 0 ? 100.0 * static_cast<double>(p.exported) / static_cast<double>(total) : 0;
      double secs = std::chrono::duration<double>(now - t0).count();
      p.rows_per_second = secs > 0 ? static_cast<double>(p.exported) / secs : 0;
      progress(p);
    }
  }
  scanned.Close();
  free_batches.Close();
  scanner.join();

  if (st.ok() && !cancelled) st = writer->Finish();
  if (st.ok() && !cancelled) st = out->Close();
  report.completed_at = NowMicros();
  if (cancelled) {
    report.status = "cancelled";
    report.error = "cancelled";
  } else if (!st.ok()) {
    report.status = "failed";
    report.error = st.message();
  } else {
    report.status = "completed";
    report.file_size = out->bytes_written();
    report.sha256 = out->sha256_hex();
    if (progress) {
      ExportProgress p;
      p.exported = p.total = report.exported_vectors;
      p.percentage = 100;
      progress(p);
    }
  }
  return report;
}

std::string ExportReportJson(const ExportReport& r) {
  std::string o;
  AppendJobHead(r.job_id, r.collection, r.status, &o);
  o += ",\"total_vectors\":";
  AppendInt(r.total_vectors, &o);
  o += ",\"exported_vectors\":";
  AppendInt(r.exported_vectors, &o);
  o += ",\"started_at\":";
  AppendJsonString(FormatTimestamp(r.started_at), &o);
  o += ",\"completed_at\":";
  if (r.completed_at) AppendJsonString(FormatTimestamp(r.completed_at), &o); else o += "null";
  o += ",\"format\":";
  AppendJsonString(FormatName(r.format), &o);
  o += ",\"output\":";
  AppendJsonString(r.output_path, &o);
  o += ",\"file_size\":";
  if (r.status == "completed") AppendInt(static_cast<int64_t>(r.file_size), &o); else o += "null";
  o += ",\"sha256\":";
  if (r.sha256.empty()) o += "null"; else AppendJsonString(r.sha256, &o);
  double pct = r.status == "completed" ? 100.0
               : r.total_vectors > 0 ? 100.0 * static_cast<double>(r.exported_vectors) / static_cast<double>(r.total_vectors)
                                     : 0.0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", pct);
  o += ",\"progress_percentage\":";
  o += buf;
  o += ",\"error\":";
  if (r.error.empty()) o += "null"; else AppendJsonString(r.error, &o);
  o += '}';
  return o;
}

}  // namespace tributary
