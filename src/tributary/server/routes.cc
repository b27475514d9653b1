#include "tributary/server/routes.h"

#include "tributary/core/json.h"

namespace tributary {

const std::vector<RouteSpec>& Routes() {
  static const std::vector<RouteSpec> routes = {
      {"GET", "/health", "health", "Liveness check", false, false, RouteBody::kNone, "Health"},
      {"GET", "/api/v1/openapi.json", "openapi", "This OpenAPI document", true, false, RouteBody::kNone, "object"},
      {"GET", "/api/v1/datasets", "listDatasets", "List your datasets", true, false, RouteBody::kNone, "DatasetList"},
      {"GET", "/api/v1/datasets/{dataset_id}", "getDataset", "A dataset's record count and dimension", true, false,
       RouteBody::kNone, "Dataset"},
      {"DELETE", "/api/v1/datasets/{dataset_id}", "deleteDataset", "Delete a dataset and its records", true, false,
       RouteBody::kNone, "Dataset"},
      {"POST", "/api/v1/datasets/{dataset_id}/import", "startImport", "Start an import job from an uploaded file",
       true, false, RouteBody::kMultipartUpload, "ImportJob"},
      {"POST", "/api/v1/datasets/{dataset_id}/export", "startExport", "Start an export job", true, false,
       RouteBody::kJson, "ExportJob"},
      {"GET", "/api/v1/import", "listImports", "List your import jobs, newest first", true, false, RouteBody::kNone,
       "ImportJobList"},
      {"GET", "/api/v1/import/{job_id}", "getImport", "Import job status", true, false, RouteBody::kNone, "ImportJob"},
      {"DELETE", "/api/v1/import/{job_id}", "cancelImport", "Cancel a queued or running import", true, false,
       RouteBody::kNone, "ImportJob"},
      {"GET", "/api/v1/import/{job_id}/errors", "getImportErrors", "Every rejected row of an import, as JSON lines",
       true, false, RouteBody::kNone, "jsonl"},
      {"GET", "/api/v1/export", "listExports", "List your export jobs, newest first", true, false, RouteBody::kNone,
       "ExportJobList"},
      {"GET", "/api/v1/export/{job_id}", "getExport", "Export job status", true, false, RouteBody::kNone, "ExportJob"},
      {"DELETE", "/api/v1/export/{job_id}", "cancelExport", "Cancel a queued or running export", true, false,
       RouteBody::kNone, "ExportJob"},
      {"GET", "/api/v1/export/{job_id}/download", "downloadExport",
       "Download an export's file (Range requests resume broken downloads)", true, false, RouteBody::kNone, "file"},
      {"POST", "/api/v1/admin/cleanup-jobs", "cleanupJobs", "Remove finished jobs and their files (admin)", true, true,
       RouteBody::kJson, "CleanupResult"},
      {"GET", "/api/v1/metrics/prometheus", "metrics", "Metrics in the Prometheus text format (admin)", true, true,
       RouteBody::kNone, "text"},
      {"GET", "/api/v1/stats", "stats", "Your tenant's totals", true, false, RouteBody::kNone, "Stats"},
  };
  return routes;
}

std::string RoutePattern(const char* path) {
  std::string out;
  for (const char* p = path; *p; ++p) {
    if (*p == '{') {
      while (*p && *p != '}') ++p;
      out += "([^/]+)";
      if (!*p) break;
    } else if (*p == '.') {
      out += "\\.";
    } else {
      out += *p;
    }
  }
  return out;
}

namespace {

constexpr const char* kComponents = R"json({
"securitySchemes":{"ApiKey":{"type":"apiKey","in":"header","name":"Authorization",
 "description":"'ApiKey <key>'. Keys belong to a tenant and are admin or user."}},
"schemas":{
"Error":{"type":"object","required":["error","detail"],"properties":{"error":{"type":"string"},"detail":{}}},
"Health":{"type":"object","properties":{"status":{"type":"string"},"version":{"type":"string"},"uptime_seconds":{"type":"number"}}},
"RowError":{"type":"object","properties":{"row":{"type":"integer"},"line":{"type":"integer"},"error":{"type":"string"},"data":{}}},
"ImportJob":{"type":"object","properties":{
 "job_id":{"type":"string","format":"uuid"},"dataset_id":{"type":"string"},"tenant":{"type":"string"},
 "status":{"type":"string","enum":["queued","running","completed","completed_with_errors","failed","cancelled"]},
 "total_rows":{"type":"integer"},"processed_rows":{"type":"integer"},"successful_rows":{"type":"integer"},
 "failed_rows":{"type":"integer"},"inserted_rows":{"type":"integer"},"updated_rows":{"type":"integer"},
 "skipped_rows":{"type":"integer"},"errors":{"type":"array","items":{"$ref":"#/components/schemas/RowError"}},
 "started_at":{"type":"string","format":"date-time","nullable":true},
 "completed_at":{"type":"string","format":"date-time","nullable":true},
 "format":{"type":"string","enum":["csv","tsv","json","jsonl"]},"progress_percentage":{"type":"number"},
 "created_at":{"type":"string","format":"date-time"},"bytes_total":{"type":"integer"},
 "bytes_processed":{"type":"integer"},"attempts":{"type":"integer"},"errors_url":{"type":"string"},
 "error":{"type":"string","nullable":true}}},
"ExportJob":{"type":"object","properties":{
 "job_id":{"type":"string","format":"uuid"},"dataset_id":{"type":"string"},"tenant":{"type":"string"},
 "status":{"type":"string","enum":["queued","running","completed","failed","cancelled"]},
 "total_vectors":{"type":"integer"},"exported_vectors":{"type":"integer"},
 "started_at":{"type":"string","format":"date-time","nullable":true},
 "completed_at":{"type":"string","format":"date-time","nullable":true},
 "format":{"type":"string","enum":["csv","tsv","json","jsonl"]},
 "download_url":{"type":"string","nullable":true},"file_size":{"type":"integer","nullable":true},
 "progress_percentage":{"type":"number"},"created_at":{"type":"string","format":"date-time"},
 "sha256":{"type":"string","nullable":true},"attempts":{"type":"integer"},"error":{"type":"string","nullable":true}}},
"ImportJobList":{"type":"object","properties":{"jobs":{"type":"array","items":{"$ref":"#/components/schemas/ImportJob"}},"count":{"type":"integer"}}},
"ExportJobList":{"type":"object","properties":{"jobs":{"type":"array","items":{"$ref":"#/components/schemas/ExportJob"}},"count":{"type":"integer"}}},
"Dataset":{"type":"object","properties":{"dataset_id":{"type":"string"},"tenant":{"type":"string"},"count":{"type":"integer"},
 "dimension":{"type":"integer"},"created_at":{"type":"string","format":"date-time"},"updated_at":{"type":"string","format":"date-time"}}},
"DatasetList":{"type":"object","properties":{"datasets":{"type":"array","items":{"$ref":"#/components/schemas/Dataset"}},"count":{"type":"integer"}}},
"CleanupResult":{"type":"object","properties":{"removed_jobs":{"type":"integer"},"freed_bytes":{"type":"integer"},"max_age_hours":{"type":"number"}}},
"Stats":{"type":"object","properties":{"tenant":{"type":"string"},"datasets":{"type":"integer"},"records":{"type":"integer"},
 "jobs":{"type":"object"},"workers":{"type":"integer"},"uptime_seconds":{"type":"number"},"version":{"type":"string"}}},
"ImportForm":{"type":"object","required":["file"],"properties":{
 "file":{"type":"string","format":"binary","description":"CSV, TSV, JSON or JSONL; gzip or zstd compressed files are decompressed"},
 "format":{"type":"string","enum":["csv","tsv","json","jsonl"],"description":"default: from the file name, else the content"},
 "batch_size":{"type":"integer","minimum":1,"maximum":1000,"default":100},
 "mode":{"type":"string","enum":["insert","skip_existing","upsert"],"default":"insert"},
 "skip_existing":{"type":"boolean","description":"true = mode skip_existing"},
 "mapping":{"type":"string","description":"JSON object field -> source name, e.g. {\"values\":\"embedding\"}"},
 "map":{"type":"string","description":"field=source; may repeat"},
 "unknown_fields":{"type":"string","enum":["metadata","ignore","reject"]},
 "generate_ids":{"type":"string","enum":["none","row","content-hash"]},
 "dimension":{"type":"integer"},"max_errors":{"type":"integer"},"allow_non_finite":{"type":"boolean"}}},
"ExportRequest":{"type":"object","properties":{
 "format":{"type":"string","enum":["csv","tsv","json","jsonl"],"default":"jsonl"},
 "limit":{"type":"integer","minimum":0,"nullable":true},
 "filters":{"oneOf":[{"type":"string","description":"a JSON-encoded filter"},{"type":"object"}],"nullable":true}}},
"CleanupRequest":{"type":"object","properties":{"max_age_hours":{"type":"number","minimum":0,"default":24}}}
}})json";

void AppendErrorResponse(const char* code, const char* what, std::string* o) {
  *o += ",\"";
  *o += code;
  *o += "\":{\"description\":";
  AppendJsonString(what, o);
  *o += ",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}";
}

}  // namespace

std::string OpenApiJson() {
  std::string o =
      "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"tributary\",\"version\":\"" TRIBUTARY_VERSION
      "\",\"description\":\"Asynchronous import and export of vector datasets.\"},\"paths\":{";
  // Group the routes by path, keeping the table's order.
  std::vector<std::string> paths;
  for (const RouteSpec& r : Routes()) {
    bool seen = false;
    for (const auto& p : paths) seen = seen || p == r.path;
    if (!seen) paths.push_back(r.path);
  }
  for (size_t pi = 0; pi < paths.size(); ++pi) {
    if (pi) o += ',';
    AppendJsonString(paths[pi], &o);
    o += ":{";
    bool first = true;
    for (const RouteSpec& r : Routes()) {
      if (paths[pi] != r.path) continue;
      if (!first) o += ',';
      first = false;
      std::string method = r.method;
      for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
      AppendJsonString(method, &o);
      o += ":{\"operationId\":";
      AppendJsonString(r.operation_id, &o);
      o += ",\"summary\":";
      AppendJsonString(r.summary, &o);
      o += r.auth ? ",\"security\":[{\"ApiKey\":[]}]" : ",\"security\":[]";
      // Path parameters.
      o += ",\"parameters\":[";
      bool firstp = true;
      for (const char* p = r.path; *p; ++p) {
        if (*p != '{') continue;
        const char* end = p;
        while (*end && *end != '}') ++end;
        if (!firstp) o += ',';
        firstp = false;
        o += "{\"name\":";
        AppendJsonString(std::string(p + 1, end), &o);
        o += ",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}";
        p = end;
        if (!*p) break;
      }
      if (std::string(r.operation_id) == "listImports" || std::string(r.operation_id) == "listExports") {
        if (!firstp) o += ',';
        o += "{\"name\":\"status\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}},"
             "{\"name\":\"dataset_id\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}},"
             "{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"default\":100}}";
      }
      o += ']';
      if (r.body == RouteBody::kMultipartUpload) {
        o += ",\"requestBody\":{\"required\":true,\"content\":{\"multipart/form-data\":{\"schema\":"
             "{\"$ref\":\"#/components/schemas/ImportForm\"}}}}";
      } else if (r.body == RouteBody::kJson) {
        o += ",\"requestBody\":{\"required\":false,\"content\":{\"application/json\":{\"schema\":{\"$ref\":"
             "\"#/components/schemas/";
        o += std::string(r.operation_id) == "startExport" ? "ExportRequest" : "CleanupRequest";
        o += "\"}}}}";
      }
      o += ",\"responses\":{\"200\":{\"description\":\"OK\",\"content\":{";
      std::string resp = r.response;
      if (resp == "file") {
        o += "\"application/octet-stream\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\"}}";
      } else if (resp == "jsonl") {
        o += "\"application/x-ndjson\":{\"schema\":{\"type\":\"string\"}}";
      } else if (resp == "text") {
        o += "\"text/plain\":{\"schema\":{\"type\":\"string\"}}";
      } else if (resp == "object") {
        o += "\"application/json\":{\"schema\":{\"type\":\"object\"}}";
      } else {
        o += "\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/" + resp + "\"}}";
      }
      o += "}}";
      if (resp == "file") {
        o += ",\"206\":{\"description\":\"Partial content (Range)\"}";
        AppendErrorResponse("416", "Range not satisfiable", &o);
      }
      if (r.body != RouteBody::kNone) AppendErrorResponse("400", "Bad request", &o);
      if (r.auth) AppendErrorResponse("401", "Missing or invalid API key", &o);
      if (r.admin) AppendErrorResponse("403", "Not an admin key", &o);
      if (std::string(r.path).find('{') != std::string::npos) AppendErrorResponse("404", "Not found", &o);
      if (r.method == std::string("DELETE") || resp == "file") AppendErrorResponse("409", "Conflict with the job's state", &o);
      if (r.body == RouteBody::kMultipartUpload) {
        AppendErrorResponse("413", "Upload over the size limit", &o);
        AppendErrorResponse("507", "Not enough free disk for the upload", &o);
      }
      o += "}}";
    }
    o += '}';
  }
  o += "},\"components\":";
  o += kComponents;
  o += '}';
  return o;
}

}  // namespace tributary
