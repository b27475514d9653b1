// A job of the service: one asynchronous import or export, as it is held in
// memory, persisted (jobs/job_db.h) and shown over HTTP.
//
// JobState is a plain value: the job manager keeps the live copy under its
// lock and hands out snapshots. ImportJobJson / ExportJobJson render a
// snapshot as the job objects of the REST API (the seed's fields, in its
// order, plus a few of tributary's own).
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"
#include "tributary/pipeline/import.h"
#include "tributary/store/store.h"

namespace tributary {

enum class JobKind : uint8_t { kImport, kExport };
std::string_view JobKindName(JobKind kind);
Result<JobKind> ParseJobKind(std::string_view name);
Result<JobStatus> ParseJobStatus(std::string_view name);
// completed, completed_with_errors, failed, cancelled.
bool IsFinal(JobStatus status);

// What an import job was asked to do (from the upload's form fields).
struct ImportJobParams {
  std::optional<Format> format;  // nullopt = detect from the content
  size_t batch_size = kDefaultBatchSize;
  WriteMode mode = WriteMode::kInsert;
  std::vector<std::string> mappings;  // "field=source"
  UnknownFieldPolicy unknown_fields = UnknownFieldPolicy::kMetadata;
  IdGeneration generate_ids = IdGeneration::kNone;
  int32_t dimension = 0;
  int64_t max_errors = -1;
  bool allow_non_finite = false;
  std::string filename;  // the client's file name, sanitised; for messages only
  uint64_t upload_bytes = 0;

  std::string ToJson() const;
  static Result<ImportJobParams> FromJson(std::string_view json);
};

// What an export job was asked to do.
struct ExportJobParams {
  Format format = Format::kJsonl;
  int64_t limit = -1;
  std::string filter_json;  // empty = everything

  std::string ToJson() const;
  static Result<ExportJobParams> FromJson(std::string_view json);
};

struct JobState {
  std::string id;  // a random UUID
  JobKind kind = JobKind::kImport;
  std::string tenant;
  std::string dataset;
  std::string key_id;  // the API key that created it
  JobStatus status = JobStatus::kQueued;
  Format format = Format::kJsonl;
  std::string params_json;  // ImportJobParams or ExportJobParams
  int64_t created_at = 0;   // micros since epoch
  int64_t started_at = 0;   // 0 = not started
  int64_t completed_at = 0; // 0 = not finished
  int attempts = 0;         // runs started; > 1 after a restart

  // Import counts.
  int64_t total_rows = 0;
  int64_t processed_rows = 0;
  int64_t successful_rows = 0;
  int64_t failed_rows = 0;
  int64_t inserted_rows = 0;
  int64_t updated_rows = 0;
  int64_t skipped_rows = 0;
  uint64_t bytes_total = 0;  // upload size
  uint64_t bytes_done = 0;
  // The first rejected rows, each a seed error object ({"row":...}) as JSON.
  std::vector<std::string> errors;

  // Export counts.
  int64_t total_vectors = 0;
  int64_t exported_vectors = 0;
  uint64_t file_size = 0;
  std::string sha256;

  double progress = 0;  // percent
  std::string error;    // why it failed, for users (no paths)
};

std::string ImportJobJson(const JobState& job);
std::string ExportJobJson(const JobState& job);
std::string JobJson(const JobState& job);

}  // namespace tributary
