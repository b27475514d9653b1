#include "tributary/jobs/job.h"

#include <cstdio>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/pipeline/job_json.h"

namespace tributary {
namespace {

void AppendTime(int64_t micros, std::string* out) {
  if (micros == 0) {
    out->append("null");
  } else {
    AppendJsonString(FormatTimestamp(micros), out);
  }
}

void AppendPercent(double pct, std::string* out) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", pct);
  out->append(buf);
}

void Num(const char* key, int64_t v, std::string* out) {
  out->append(",\"");
  out->append(key);
  out->append("\":");
  AppendInt(v, out);
}

Result<int64_t> IntMember(const JsonValue& obj, const char* key, int64_t fallback) {
  const JsonValue* v = obj.Find(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_number() || !v->is_integer()) return Status::InvalidData(std::string("job parameter ") + key + " is not an integer");
  return v->int_value();
}

std::string StrMember(const JsonValue& obj, const char* key) {
  const JsonValue* v = obj.Find(key);
  return v && v->is_string() ? v->str() : std::string();
}

}  // namespace

std::string_view JobKindName(JobKind kind) { return kind == JobKind::kImport ? "import" : "export"; }

Result<JobKind> ParseJobKind(std::string_view name) {
  if (name == "import") return JobKind::kImport;
  if (name == "export") return JobKind::kExport;
  return Status::InvalidData("unknown job kind '" + std::string(name) + "'");
}

Result<JobStatus> ParseJobStatus(std::string_view name) {
  for (JobStatus s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kCompleted, JobStatus::kCompletedWithErrors,
                      JobStatus::kFailed, JobStatus::kCancelled}) {
    if (JobStatusName(s) == name) return s;
  }
  return Status::InvalidArgument("unknown job status '" + std::string(name) +
                                 "' (expected queued, running, completed, completed_with_errors, failed or cancelled)");
}

bool IsFinal(JobStatus s) { return s != JobStatus::kQueued && s != JobStatus::kRunning; }

std::string ImportJobParams::ToJson() const {
  std::string o = "{\"format\":";
  if (format) AppendJsonString(FormatName(*format), &o); else o += "null";
  Num("batch_size", static_cast<int64_t>(batch_size), &o);
  o += ",\"mode\":";
  AppendJsonString(WriteModeName(mode), &o);
  o += ",\"mappings\":[";
  for (size_t i = 0; i < mappings.size(); ++i) {
    if (i) o += ',';
    AppendJsonString(mappings[i], &o);
  }
  o += "],\"unknown_fields\":";
  AppendJsonString(unknown_fields == UnknownFieldPolicy::kMetadata ? "metadata"
                   : unknown_fields == UnknownFieldPolicy::kIgnore ? "ignore" : "reject", &o);
  o += ",\"generate_ids\":";
  AppendJsonString(generate_ids == IdGeneration::kNone ? "none" : generate_ids == IdGeneration::kRowNumber ? "row" : "content-hash", &o);
  Num("dimension", dimension, &o);
  Num("max_errors", max_errors, &o);
  o += ",\"allow_non_finite\":";
  o += allow_non_finite ? "true" : "false";
  o += ",\"filename\":";
  AppendJsonString(filename, &o);
  Num("upload_bytes", static_cast<int64_t>(upload_bytes), &o);
  o += '}';
  return o;
}

Result<ImportJobParams> ImportJobParams::FromJson(std::string_view json) {
  TRIB_ASSIGN_OR_RETURN(JsonValue v, JsonValue::Parse(json));
  if (!v.is_object()) return Status::InvalidData("import job parameters are not an object");
  ImportJobParams p;
  std::string f = StrMember(v, "format");
  if (!f.empty()) {
    TRIB_ASSIGN_OR_RETURN(Format fmt, ParseFormatName(f));
    p.format = fmt;
  }
  TRIB_ASSIGN_OR_RETURN(int64_t bs, IntMember(v, "batch_size", kDefaultBatchSize));
  p.batch_size = static_cast<size_t>(bs);
  TRIB_ASSIGN_OR_RETURN(p.mode, ParseWriteMode(StrMember(v, "mode")));
  if (const JsonValue* m = v.Find("mappings"); m && m->is_array()) {
    for (const JsonValue& item : m->items()) {
      if (item.is_string()) p.mappings.push_back(item.str());
    }
  }
  TRIB_ASSIGN_OR_RETURN(p.unknown_fields, ParseUnknownFieldPolicy(StrMember(v, "unknown_fields")));
  TRIB_ASSIGN_OR_RETURN(p.generate_ids, ParseIdGeneration(StrMember(v, "generate_ids")));
  TRIB_ASSIGN_OR_RETURN(int64_t dim, IntMember(v, "dimension", 0));
  p.dimension = static_cast<int32_t>(dim);
  TRIB_ASSIGN_OR_RETURN(p.max_errors, IntMember(v, "max_errors", -1));
  const JsonValue* anf = v.Find("allow_non_finite");
  p.allow_non_finite = anf && anf->is_bool() && anf->bool_value();
  p.filename = StrMember(v, "filename");
  TRIB_ASSIGN_OR_RETURN(int64_t ub, IntMember(v, "upload_bytes", 0));
  p.upload_bytes = static_cast<uint64_t>(ub);
  return p;
}

std::string ExportJobParams::ToJson() const {
  std::string o = "{\"format\":";
  AppendJsonString(FormatName(format), &o);
  Num("limit", limit, &o);
  o += ",\"filters\":";
  AppendJsonString(filter_json, &o);
  o += '}';
  return o;
}

Result<ExportJobParams> ExportJobParams::FromJson(std::string_view json) {
  TRIB_ASSIGN_OR_RETURN(JsonValue v, JsonValue::Parse(json));
  if (!v.is_object()) return Status::InvalidData("export job parameters are not an object");
  ExportJobParams p;
  TRIB_ASSIGN_OR_RETURN(p.format, ParseFormatName(StrMember(v, "format")));
  TRIB_ASSIGN_OR_RETURN(p.limit, IntMember(v, "limit", -1));
  p.filter_json = StrMember(v, "filters");
  return p;
}

std::string ImportJobJson(const JobState& j) {
  std::string o;
  AppendJobHead(j.id, CollectionRef{j.tenant, j.dataset}, JobStatusName(j.status), &o);
  Num("total_rows", j.total_rows, &o);
  Num("processed_rows", j.processed_rows, &o);
  Num("successful_rows", j.successful_rows, &o);
  Num("failed_rows", j.failed_rows, &o);
  Num("inserted_rows", j.inserted_rows, &o);
  Num("updated_rows", j.updated_rows, &o);
  Num("skipped_rows", j.skipped_rows, &o);
  o += ",\"errors\":[";
  for (size_t i = 0; i < j.errors.size(); ++i) {
    if (i) o += ',';
    o += j.errors[i];
  }
  o += "],\"started_at\":";
  AppendTime(j.started_at, &o);
  o += ",\"completed_at\":";
  AppendTime(j.completed_at, &o);
  o += ",\"format\":";
  AppendJsonString(FormatName(j.format), &o);
  if (auto params = ImportJobParams::FromJson(j.params_json); params.ok()) {
    Num("batch_size", static_cast<int64_t>(params->batch_size), &o);
  }
  o += ",\"progress_percentage\":";
  AppendPercent(j.progress, &o);
  o += ",\"created_at\":";
  AppendTime(j.created_at, &o);
  Num("bytes_total", static_cast<int64_t>(j.bytes_total), &o);
  Num("bytes_processed", static_cast<int64_t>(j.bytes_done), &o);
  Num("attempts", j.attempts, &o);
  o += ",\"errors_url\":";
  AppendJsonString("/api/v1/import/" + j.id + "/errors", &o);
  o += ",\"error\":";
  if (j.error.empty()) o += "null"; else AppendJsonString(j.error, &o);
  o += '}';
  return o;
}

std::string ExportJobJson(const JobState& j) {
  std::string o;
  AppendJobHead(j.id, CollectionRef{j.tenant, j.dataset}, JobStatusName(j.status), &o);
  Num("total_vectors", j.total_vectors, &o);
  Num("exported_vectors", j.exported_vectors, &o);
  o += ",\"started_at\":";
  AppendTime(j.started_at, &o);
  o += ",\"completed_at\":";
  AppendTime(j.completed_at, &o);
  o += ",\"format\":";
  AppendJsonString(FormatName(j.format), &o);
  const bool done = j.status == JobStatus::kCompleted;
  o += ",\"download_url\":";
  if (done) AppendJsonString("/api/v1/export/" + j.id + "/download", &o); else o += "null";
  o += ",\"file_size\":";
  if (done) AppendInt(static_cast<int64_t>(j.file_size), &o); else o += "null";
  o += ",\"progress_percentage\":";
  AppendPercent(j.progress, &o);
  o += ",\"created_at\":";
  AppendTime(j.created_at, &o);
  o += ",\"sha256\":";
  if (done && !j.sha256.empty()) AppendJsonString(j.sha256, &o); else o += "null";
  Num("attempts", j.attempts, &o);
  o += ",\"error\":";
  if (j.error.empty()) o += "null"; else AppendJsonString(j.error, &o);
  o += '}';
  return o;
}

std::string JobJson(const JobState& j) { return j.kind == JobKind::kImport ? ImportJobJson(j) : ExportJobJson(j); }

}  // namespace tributary
