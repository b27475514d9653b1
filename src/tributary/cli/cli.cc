#include "tributary/cli/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fnmatch.h>
#include <iostream>
#include <string>
#include <vector>

#include "tributary/cli/progress.h"
#include "tributary/cli/warehouse_commands.h"
#include "tributary/cli/serve_command.h"
#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/formats/format.h"
#include "tributary/pipeline/export.h"
#include "tributary/pipeline/import.h"
#include "tributary/store/store.h"
#include "tributary/warehouse/batch.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;

// The format name of MongoDB Extended JSON (mongoexport / mongoimport files).
constexpr const char* kMongoJson = "mongo-json";

struct GlobalOptions {
  std::string data_dir;
  std::string tenant = kDefaultTenant;
};

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return st.IsInvalidArgument() ? kExitUsage : kExitFailure;
}

std::string ResolveDataDir(const GlobalOptions& g) {
  if (!g.data_dir.empty()) return g.data_dir;
  if (const char* env = std::getenv("TRIBUTARY_DATA_DIR"); env && *env) return env;
  return "./tributary-data";
}

Result<std::unique_ptr<Store>> OpenStore(const GlobalOptions& g) {
  StoreOptions so;
  so.data_dir = ResolveDataDir(g);
  return OpenSqliteStore(so);
}

double Seconds(int64_t from_us, int64_t to_us) { return static_cast<double>(to_us - from_us) / 1e6; }

// ---- import-data ----

struct ImportArgs {
  std::string collection, input_file, input_dir, pattern = "*", format, mode = "insert", errors_file;
  std::string unknown_fields = "metadata", generate_ids = "none", job_id;
  std::vector<std::string> maps;
  size_t batch_size = kDefaultBatchSize;
  int32_t dimension = 0;
  int64_t max_errors = -1;
  bool dry_run = false, json = false, quiet = false, no_resume = false, allow_non_finite = false;
};

void PrintImportSummary(const ImportReport& r, const std::string& input) {
  double secs = Seconds(r.started_at, r.completed_at);
  std::fprintf(stdout, "%s %s: %lld rows read, %lld ok (%lld inserted, %lld updated, %lld skipped), %lld failed, %.2fs%s\n",
               r.dry_run ? "Checked" : "Imported", input.c_str(), static_cast<long long>(r.total_rows),
               static_cast<long long>(r.successful_rows), static_cast<long long>(r.inserted_rows),
               static_cast<long long>(r.updated_rows), static_cast<long long>(r.skipped_rows),
               static_cast<long long>(r.failed_rows), secs,
               r.resumed_from > 0 ? (" (resumed after " + std::to_string(r.resumed_from) + " records)").c_str() : "");
  size_t shown = 0;
  for (const RowError& e : r.errors) {
    if (shown++ == 10) {
      std::fprintf(stderr, "  ... %lld more failed rows\n", static_cast<long long>(r.failed_rows - 10));
      break;
    }
    if (e.by_line) {
      std::fprintf(stderr, "  %s line %lld: %s\n", input.c_str(), static_cast<long long>(e.origin.line), e.message.c_str());
    } else if (e.origin.line > 0) {
      std::fprintf(stderr, "  %s row %lld (line %lld): %s\n", input.c_str(), static_cast<long long>(e.origin.row),
                   static_cast<long long>(e.origin.line), e.message.c_str());
    } else {
      std::fprintf(stderr, "  %s row %lld: %s\n", input.c_str(), static_cast<long long>(e.origin.row), e.message.c_str());
    }
  }
  if (!r.error.empty()) std::fprintf(stderr, "error: %s: %s\n", input.c_str(), r.error.c_str());
  if (r.total_rows == 0 && r.error.empty()) std::fprintf(stderr, "warning: %s holds no records\n", input.c_str());
}

Status BuildImportOptions(const GlobalOptions& g, const ImportArgs& a, const std::string& collection,
                          const std::string& path, ImportOptions* o) {
  o->collection = {g.tenant, collection};
  o->input_path = path;
  if (a.format == kMongoJson) {
    // mongoexport writes JSON Lines, or an array with --jsonArray, under any
    // extension: the content decides.
    o->read.mongo_extended_json = true;
    o->format = Format::kJsonl;
    std::error_code ec;
    if (path != "-" && fs::is_regular_file(path, ec)) {
      TRIB_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in, OpenInput(path));
      TRIB_ASSIGN_OR_RETURN(std::string head, PeekInput(&in, 64 << 10));
      if (FormatFromContent(head) == Format::kJson) o->format = Format::kJson;
    }
  } else if (!a.format.empty()) {
    TRIB_ASSIGN_OR_RETURN(Format f, ParseFormatName(a.format));
    o->format = f;
  }
  TRIB_ASSIGN_OR_RETURN(o->mode, ParseWriteMode(a.mode));
  o->batch_size = a.batch_size;
  o->dimension = a.dimension;
  o->max_errors = a.max_errors;
  o->dry_run = a.dry_run;
  o->errors_file = a.errors_file;
  o->job_id = a.job_id;
  o->resume = !a.no_resume;
  for (const std::string& m : a.maps) TRIB_RETURN_NOT_OK(o->read.mapping.Add(m));
  TRIB_ASSIGN_OR_RETURN(o->read.unknown_fields, ParseUnknownFieldPolicy(a.unknown_fields));
  TRIB_ASSIGN_OR_RETURN(o->read.generate_ids, ParseIdGeneration(a.generate_ids));
  o->read.allow_non_finite = a.allow_non_finite;
  return Status::OK();
}

int ReportImport(const Result<ImportReport>& report, const ImportArgs& a, const std::string& input,
                 std::string* json_out) {
  if (!report.ok()) return Fail(report.status().WithPrefix(input));
  if (json_out) {
    if (!json_out->empty()) json_out->push_back(',');
    json_out->append(ImportReportJson(*report));
  }
  if (!a.json && !a.quiet) PrintImportSummary(*report, input);
  else if (!report->error.empty() && !a.json) std::fprintf(stderr, "error: %s\n", report->error.c_str());
  switch (report->status) {
    case JobStatus::kCompleted: return kExitOk;
    case JobStatus::kCompletedWithErrors: return kExitRowErrors;
    default: return report->error.empty() || report->failed_rows > 0 ? kExitRowErrors : kExitFailure;
  }
}

int RunImportFile(Store* store, const GlobalOptions& g, const ImportArgs& a, const std::string& collection,
                  const std::string& path, std::string* json_out) {
  ImportOptions o;
  Status st = BuildImportOptions(g, a, collection, path, &o);
  if (!st.ok()) return Fail(st);
  ProgressDisplay display("import " + (path == "-" ? std::string("<stdin>") : fs::path(path).filename().string()),
                          a.quiet || a.json);
  auto report = RunImport(store, o, [&](const ImportProgress& p) {
    display.Update(p.bytes_total > 0 ? p.percentage : -1, p.records_read, p.bytes_read, p.rows_per_second);
  });
  display.Done();
  return ReportImport(report, a, path == "-" ? "<stdin>" : path, json_out);
}

// Every matching file of --input-dir into one collection, as one resumable job.
int RunBatchImportDir(Store* store, const GlobalOptions& g, const ImportArgs& a, std::string* json_out) {
  BatchImportOptions bo;
  Status st = BuildImportOptions(g, a, a.collection, a.input_dir, &bo.base);
  if (!st.ok()) return Fail(st);
  bo.input_dir = a.input_dir;
  bo.pattern = a.pattern;
  ProgressDisplay display("import " + a.input_dir, a.quiet || a.json);
  auto report = RunBatchImport(store, bo, [&](const ImportProgress& p) {
    display.Update(p.percentage, p.records_read, p.bytes_read, p.rows_per_second);
  });
  display.Done();
  return ReportImport(report, a, a.input_dir, json_out);
}

int CmdImport(const GlobalOptions& g, const ImportArgs& a) {
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  std::string json;
  int worst = kExitOk;
  auto combine = [&](int rc) { worst = std::max(worst, rc); };
  if (!a.input_file.empty()) {
    if (a.collection.empty()) return Fail(Status::InvalidArgument("--collection is required with --input-file"));
    combine(RunImportFile(store->get(), g, a, a.collection, a.input_file, &json));
  } else if (!a.collection.empty()) {
    combine(RunBatchImportDir(store->get(), g, a, &json));
  } else {
    std::error_code ec;
    if (!fs::is_directory(a.input_dir, ec)) {
      return Fail(Status::InvalidArgument("--input-dir " + a.input_dir + " is not a directory"));
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(a.input_dir, ec)) {
      if (!entry.is_regular_file()) continue;
      std::string name = entry.path().filename().string();
      if (fnmatch(a.pattern.c_str(), name.c_str(), 0) != 0) continue;
      if (a.format.empty() && !FormatFromPath(name)) continue;  // not a data file
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) return Fail(Status::InvalidArgument("no data files in " + a.input_dir + " match '" + a.pattern + "'"));
    for (const fs::path& p : files) {
      std::string collection = a.collection;
      if (collection.empty()) {
        // One collection per file, named after it: "docs.jsonl.gz" -> "docs".
        std::string stem = std::string(StripCompressionExtension(p.filename().string()));
        collection = fs::path(stem).stem().string();
      }
      combine(RunImportFile(store->get(), g, a, collection, p.string(), &json));
    }
  }
  const bool many = a.input_file.empty() && a.collection.empty();
  if (a.json) std::fprintf(stdout, "%s%s%s\n", many ? "[" : "", json.c_str(), many ? "]" : "");
  return worst;
}

// ---- export ----

struct ExportArgs {
  std::string collection, output_file, output_dir, format, filter, compression;
  int64_t limit = -1;
  int64_t records_per_file = 0;  // > 0: split into files of this many records
  bool json = false, quiet = false, byte_stream_split = false;
};

int RunExportOne(Store* store, const GlobalOptions& g, const ExportArgs& a, const std::string& collection,
                 const std::string& path, std::optional<Format> format, std::string* json_out) {
  ExportOptions o;
  o.collection = {g.tenant, collection};
  o.output_path = path;
  o.format = format;
  o.filter_json = a.filter;
  o.limit = a.limit;
  o.write.mongo_extended_json = a.format == kMongoJson;
  const bool parquet = format.value_or(FormatFromPath(path).value_or(Format::kJsonl)) == Format::kParquet;
  if (parquet) {
    // Parquet compresses its pages; the file itself is not wrapped.
    if (!a.compression.empty()) o.write.parquet_compression = a.compression;
    o.write.parquet_byte_stream_split = a.byte_stream_split;
    o.compression = Compression::kNone;
  } else if (!a.compression.empty()) {
    auto c = ParseCompressionName(a.compression);
    if (!c.ok()) return Fail(c.status());
    o.compression = *c;
  }
  ProgressDisplay display("export " + collection, a.quiet || a.json || path == "-");
  auto report = RunExport(store, o, [&](const ExportProgress& p) {
    display.Update(p.percentage, p.exported, 0, p.rows_per_second);
  });
  display.Done();
  if (!report.ok()) return Fail(report.status());
  if (json_out) {
    if (!json_out->empty()) json_out->push_back(',');
    json_out->append(ExportReportJson(*report));
  }
  if (report->status != "completed") {
    std::fprintf(stderr, "error: export of %s failed: %s\n", collection.c_str(), report->error.c_str());
    return kExitFailure;
  }
  if (!a.json && !a.quiet && path != "-") {
    std::fprintf(stdout, "Exported %lld records from %s to %s (%llu bytes, sha256 %s) in %.2fs\n",
                 static_cast<long long>(report->exported_vectors), collection.c_str(), path.c_str(),
                 static_cast<unsigned long long>(report->file_size), report->sha256.c_str(),
                 Seconds(report->started_at, report->completed_at));
  } else if (!a.json && !a.quiet) {
    std::fprintf(stderr, "Exported %lld records from %s (%llu bytes, sha256 %s)\n",
                 static_cast<long long>(report->exported_vectors), collection.c_str(),
                 static_cast<unsigned long long>(report->file_size), report->sha256.c_str());
  }
  return kExitOk;
}

int CmdExport(const GlobalOptions& g, const ExportArgs& a) {
  std::optional<Format> format;
  if (a.format == kMongoJson) {
    format = Format::kJsonl;
  } else if (!a.format.empty()) {
    auto f = ParseFormatName(a.format);
    if (!f.ok()) return Fail(f.status());
    format = *f;
  }
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  std::string json;
  const bool to_stdout = a.output_file == "-";
  int rc = kExitOk;
  if (!a.output_file.empty()) {
    if (a.collection.empty()) return Fail(Status::InvalidArgument("--collection is required with --output-file"));
    rc = RunExportOne(store->get(), g, a, a.collection, a.output_file, format, &json);
  } else {
    std::vector<std::string> names;
    if (!a.collection.empty()) {
      names.push_back(a.collection);
    } else {
      auto list = (*store)->ListCollections(g.tenant);
      if (!list.ok()) return Fail(list.status());
      for (const auto& c : *list) names.push_back(c.name);
    }
    Format f = format.value_or(Format::kJsonl);
    std::string ext = std::string(FormatExtension(f));
    if (!a.compression.empty() && f != Format::kParquet) {  // Parquet: a page codec
      auto c = ParseCompressionName(a.compression);
      if (!c.ok()) return Fail(c.status());
      if (*c == Compression::kGzip) ext += ".gz";
      if (*c == Compression::kZstd) ext += ".zst";
    }
    if (a.records_per_file > 0) {
      // The same write options as a single-file export.
      WriteOptions w;
      w.mongo_extended_json = a.format == kMongoJson;
      Compression c = Compression::kNone;
      if (f == Format::kParquet) {
        if (!a.compression.empty()) w.parquet_compression = a.compression;
        w.parquet_byte_stream_split = a.byte_stream_split;
      } else if (!a.compression.empty()) {
        c = *ParseCompressionName(a.compression);  // checked above
      }
      for (const std::string& name : names) {
        rc = std::max(rc, RunSplitExportCommand(store->get(), {g.tenant, name}, a.output_dir, f, a.records_per_file,
                                                a.filter, a.limit, w, c, a.json, a.quiet, &json));
      }
      if (a.json) std::printf("[%s]\n", json.c_str());
      return rc;
    }
    for (const std::string& name : names) {
      std::string path = (fs::path(a.output_dir) / (name + "." + ext)).string();
      rc = std::max(rc, RunExportOne(store->get(), g, a, name, path, f, &json));
    }
  }
  if (a.json) {
    bool many = a.output_file.empty();
    std::FILE* dst = to_stdout ? stderr : stdout;
    std::fprintf(dst, "%s%s%s\n", many ? "[" : "", json.c_str(), many ? "]" : "");
  }
  return rc;
}

// ---- collections / status ----

std::string CollectionJson(const CollectionInfo& c) {
  std::string o = "{\"name\":";
  AppendJsonString(c.name, &o);
  o += ",\"tenant\":";
  AppendJsonString(c.tenant, &o);
  o += ",\"dimension\":";
  AppendInt(c.dimension, &o);
  o += ",\"count\":";
  AppendInt(c.count, &o);
  o += ",\"created_at\":";
  AppendJsonString(FormatTimestamp(c.created_at), &o);
  o += ",\"updated_at\":";
  AppendJsonString(FormatTimestamp(c.updated_at), &o);
  o += ",\"schema\":";
  o += c.metadata_schema.empty() ? std::string("null") : c.metadata_schema;
  o += '}';
  return o;
}

int CmdCollections(const GlobalOptions& g, const std::string& action, const std::string& name, int32_t dimension,
                   bool json, const std::string& schema_file = "", const std::string& kind = "") {
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  CollectionRef ref{g.tenant, name};
  if (action == "list") {
    auto list = (*store)->ListCollections(g.tenant);
    if (!list.ok()) return Fail(list.status());
    if (json) {
      std::string o = "[";
      for (size_t i = 0; i < list->size(); ++i) {
        if (i) o += ',';
        o += CollectionJson((*list)[i]);
      }
      std::printf("%s]\n", o.c_str());
    } else {
      std::printf("%-32s %10s %12s\n", "NAME", "DIMENSION", "RECORDS");
      for (const auto& c : *list) {
        std::printf("%-32s %10d %12lld\n", c.name.c_str(), c.dimension, static_cast<long long>(c.count));
      }
    }
    return kExitOk;
  }
  if (action == "show") {
    auto c = (*store)->GetCollection(ref);
    if (!c.ok()) return Fail(c.status());
    if (json) {
      std::printf("%s\n", CollectionJson(*c).c_str());
    } else {
      std::printf("name:       %s\ntenant:     %s\ndimension:  %d\nrecords:    %lld\ncreated_at: %s\nupdated_at: %s\n",
                  c->name.c_str(), c->tenant.c_str(), c->dimension, static_cast<long long>(c->count),
                  FormatTimestamp(c->created_at).c_str(), FormatTimestamp(c->updated_at).c_str());
    }
    return kExitOk;
  }
  if (action == "create") {
    auto schema = CollectionSchemaText(schema_file, kind);
    if (!schema.ok()) return Fail(schema.status());
    auto c = (*store)->CreateCollection(ref, dimension, *schema);
    if (!c.ok()) return Fail(c.status());
    if (json) std::printf("%s\n", CollectionJson(*c).c_str());
    else std::printf("Created collection %s (dimension %d)\n", name.c_str(), dimension);
    return kExitOk;
  }
  // delete
  Status st = (*store)->DropCollection(ref);
  if (!st.ok()) return Fail(st);
  if (!json) std::printf("Deleted collection %s\n", name.c_str());
  else std::printf("{\"deleted\":true,\"name\":%s}\n", [&] { std::string s; AppendJsonString(name, &s); return s; }().c_str());
  return kExitOk;
}

int CmdStatus(const GlobalOptions& g, bool json) {
  std::string dir = ResolveDataDir(g);
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto list = (*store)->ListCollections(g.tenant);
  if (!list.ok()) return Fail(list.status());
  int64_t records = 0;
  for (const auto& c : *list) records += c.count;
  if (json) {
    std::string o = "{\"version\":\"" TRIBUTARY_VERSION "\",\"store\":\"sqlite\",\"data_dir\":";
    AppendJsonString(dir, &o);
    o += ",\"tenant\":";
    AppendJsonString(g.tenant, &o);
    o += ",\"collections\":";
    AppendInt(static_cast<int64_t>(list->size()), &o);
    o += ",\"records\":";
    AppendInt(records, &o);
    o += '}';
    std::printf("%s\n", o.c_str());
  } else {
    std::printf("tributary %s\nstore:       sqlite (%s)\ntenant:      %s\ncollections: %zu\nrecords:     %lld\n",
                TRIBUTARY_VERSION, dir.c_str(), g.tenant.c_str(), list->size(), static_cast<long long>(records));
  }
  return kExitOk;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"tributary: move vector datasets (embeddings, text, metadata) in and out of a store"};
  app.set_version_flag("--version", TRIBUTARY_VERSION);
  app.require_subcommand(1);
  GlobalOptions g;
  app.add_option("--data-dir", g.data_dir, "Store directory (default ./tributary-data, or $TRIBUTARY_DATA_DIR)");
  app.add_option("--tenant", g.tenant, "Tenant that owns the collections")->capture_default_str();

  ImportArgs ia;
  auto* imp = app.add_subcommand("import-data", "Import records from a file or a directory of files");
  imp->add_option("--collection,-c", ia.collection, "Target collection (with --input-dir: default one per file, named after it)");
  auto* in_file = imp->add_option("--input-file,-i", ia.input_file, "Input file ('-' = stdin); .gz/.zst are decompressed");
  auto* in_dir = imp->add_option("--input-dir", ia.input_dir, "Import every data file in this directory, in name order");
  in_file->excludes(in_dir);
  imp->add_option("--pattern", ia.pattern, "With --input-dir: only files matching this glob")->capture_default_str();
  imp->add_option("--format,-f", ia.format,
                  "csv, tsv, json, jsonl, parquet or mongo-json (MongoDB Extended JSON) "
                  "(default: from the extension, else the content)");
  imp->add_option("--batch-size", ia.batch_size, "Records per committed batch (1-1000)")->capture_default_str()->check(CLI::Range(1, 1000));
  imp->add_option("--mode", ia.mode, "insert, skip-existing or upsert")->capture_default_str();
  imp->add_option("--map", ia.maps, "Field mapping field=source, e.g. --map values=embedding (repeatable)");
  imp->add_option("--unknown-fields", ia.unknown_fields, "metadata, ignore or reject")->capture_default_str();
  imp->add_option("--generate-ids", ia.generate_ids, "For records without id: none, row or content-hash")->capture_default_str();
  imp->add_flag("--allow-non-finite", ia.allow_non_finite, "Accept NaN and Infinity in vectors");
  imp->add_option("--dimension", ia.dimension, "Vector dimension for a new collection (default: from the first record)");
  imp->add_option("--max-errors", ia.max_errors, "Stop once more rows than this failed");
  imp->add_flag("--dry-run", ia.dry_run, "Parse and validate only; write nothing");
  imp->add_option("--errors-file", ia.errors_file, "Write every rejected record here, in the input's format");
  imp->add_option("--job-id", ia.job_id, "Job id for checkpoints (default: derived from the file, so a re-run resumes)");
  imp->add_flag("--no-resume", ia.no_resume, "Start over even if an interrupted run of this job left a checkpoint");
  imp->add_flag("--json", ia.json, "Print the final report as a JSON job object");
  imp->add_flag("--quiet,-q", ia.quiet, "No progress or summary");

  ExportArgs ea;
  auto* exp = app.add_subcommand("export", "Export a collection (or all of them) to files");
  exp->add_option("--collection,-c", ea.collection, "Collection to export (default: every collection, one file each)");
  auto* out_file = exp->add_option("--output-file,-o", ea.output_file, "Output file ('-' = stdout); .gz/.zst compress");
  auto* out_dir = exp->add_option("--output-dir", ea.output_dir, "Directory for one file per collection");
  out_file->excludes(out_dir);
  exp->add_option("--format,-f", ea.format,
                  "csv, tsv, json, jsonl, parquet or mongo-json (relaxed Extended JSON lines for mongoimport) "
                  "(default: from the extension, else jsonl)");
  exp->add_option("--limit", ea.limit, "Export at most this many records");
  exp->add_option("--filter", ea.filter, "Mongo-style JSON filter, e.g. '{\"language\": \"en\"}'");
  exp->add_option("--compression", ea.compression,
                  "none, gzip or zstd (default: from the extension); for parquet the page codec: zstd (default), snappy, gzip or none");
  exp->add_flag("--byte-stream-split", ea.byte_stream_split, "parquet: BYTE_STREAM_SPLIT encoding for the vectors' floats");
  exp->add_option("--batch-size", ea.records_per_file,
                  "With --output-dir: split into files of this many records, <collection>_00001.<ext>, ...")
      ->check(CLI::PositiveNumber);
  exp->add_flag("--json", ea.json, "Print the final report as a JSON job object");
  exp->add_flag("--quiet,-q", ea.quiet, "No progress or summary");

  std::string coll_name;
  int32_t coll_dim = 0;
  bool coll_json = false;
  auto* coll = app.add_subcommand("collections", "List, show, create or delete collections");
  coll->require_subcommand(1);
  auto* c_list = coll->add_subcommand("list", "List collections");
  c_list->add_flag("--json", coll_json, "JSON output");
  auto* c_show = coll->add_subcommand("show", "Show one collection");
  c_show->add_option("name", coll_name, "Collection")->required();
  c_show->add_flag("--json", coll_json, "JSON output");
  auto* c_create = coll->add_subcommand("create", "Create an empty collection");
  c_create->add_option("name", coll_name, "Collection")->required();
  c_create->add_option("--dimension", coll_dim, "Vector dimension (0 = set by the first import)");
  std::string coll_schema, coll_kind;
  c_create->add_option("--schema", coll_schema, "JSON Schema (subset) file that every record's metadata must match");
  c_create->add_option("--kind", coll_kind, "Document kind: raw, cleaned, chunk or embedded_chunk (default)");
  c_create->add_flag("--json", coll_json, "JSON output");
  auto* c_delete = coll->add_subcommand("delete", "Delete a collection and its records");
  c_delete->add_option("name", coll_name, "Collection")->required();
  c_delete->add_flag("--json", coll_json, "JSON output");

  bool status_json = false;
  auto* status = app.add_subcommand("status", "Show the store and its totals");
  status->add_flag("--json", status_json, "JSON output");

  WarehouseCommands warehouse(&app, [&g] { return OpenStore(g); }, &g.tenant);
  ServeCommands service(&app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for usage.\n", e.what());
    return kExitUsage;
  }

  if (imp->parsed()) {
    if (ia.input_file.empty() && ia.input_dir.empty()) {
      std::fprintf(stderr, "error: give --input-file or --input-dir\n");
      return kExitUsage;
    }
    return CmdImport(g, ia);
  }
  if (exp->parsed()) {
    if (ea.output_file.empty() && ea.output_dir.empty()) {
      std::fprintf(stderr, "error: give --output-file or --output-dir\n");
      return kExitUsage;
    }
    if (ea.records_per_file > 0 && ea.output_dir.empty()) {
      std::fprintf(stderr, "error: --batch-size needs --output-dir\n");
      return kExitUsage;
    }
    return CmdExport(g, ea);
  }
  if (coll->parsed()) {
    std::string action = c_list->parsed() ? "list" : c_show->parsed() ? "show" : c_create->parsed() ? "create" : "delete";
    return CmdCollections(g, action, coll_name, coll_dim, coll_json, coll_schema, coll_kind);
  }
  if (status->parsed()) return CmdStatus(g, status_json);
  if (std::optional<int> rc = warehouse.Run()) return *rc;
  if (service.parsed()) return service.Run(ResolveDataDir(g));
  return kExitUsage;
}

}  // namespace tributary
