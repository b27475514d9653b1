#include "tributary/cli/warehouse_commands.h"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "tributary/cli/cli.h"
#include "tributary/cli/progress.h"
#include "tributary/core/json.h"
#include "tributary/core/schema.h"
#include "tributary/warehouse/fs_util.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/warehouse/backup.h"
#include "tributary/warehouse/batch.h"
#include "tributary/warehouse/migrate.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  if (st.IsInvalidArgument()) return kExitUsage;
  return kExitFailure;
}

double Seconds(int64_t from_us, int64_t to_us) { return static_cast<double>(to_us - from_us) / 1e6; }

std::string JsonStr(std::string_view s) {
  std::string o;
  AppendJsonString(s, &o);
  return o;
}

std::string FormatList() {
  std::string s;
  for (Format f : AvailableFormats()) {
    if (!s.empty()) s += ", ";
    s += FormatName(f);
  }
  return s;
}

}  // namespace

Result<std::string> CollectionSchemaText(const std::string& schema_file, const std::string& kind) {
  if (schema_file.empty() && kind.empty()) return std::string();
  JsonValue doc = JsonValue::Object();
  if (!schema_file.empty()) {
    TRIB_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(schema_file, 1 << 20));
    Result<JsonValue> parsed = JsonValue::Parse(text);
    if (!parsed.ok()) return Status::InvalidArgument(schema_file + ": " + parsed.status().message());
    doc = std::move(*parsed);
    if (!doc.is_object()) return Status::InvalidArgument(schema_file + ": a schema must be a JSON object");
  }
  if (!kind.empty()) {
    TRIB_ASSIGN_OR_RETURN(DocumentKind k, ParseDocumentKind(kind));
    doc.Set("x-document-kind", JsonValue::String(std::string(DocumentKindName(k))));
  }
  std::string text = doc.ToString();
  Result<MetadataSchema> checked = MetadataSchema::Parse(text);
  if (!checked.ok()) {
    return Status::InvalidArgument((schema_file.empty() ? std::string("--kind") : schema_file) + ": " +
                                   checked.status().message());
  }
  return text;
}

int RunSplitExportCommand(Store* store, const CollectionRef& collection, const std::string& output_dir,
                          Format format, int64_t records_per_file, const std::string& filter, int64_t limit,
                          const WriteOptions& write, Compression compression, bool json, bool quiet,
                          std::string* json_out) {
  SplitExportOptions o;
  o.write = write;
  o.compression = compression;
  o.collection = collection;
  o.output_dir = output_dir;
  o.format = format;
  o.records_per_file = records_per_file;
  o.filter_json = filter;
  o.limit = limit;
  ProgressDisplay display("export " + collection.name, quiet || json);
  auto r = RunSplitExport(store, o, [&](const ExportProgress& p) {
    display.Update(p.percentage, p.exported, 0, p.rows_per_second);
  });
  display.Done();
  if (!r.ok()) return Fail(r.status());
  if (json) {
    if (!json_out->empty()) json_out->push_back(',');
    std::string& out = *json_out;
    out += "{\"collection\":" + JsonStr(collection.name) + ",\"status\":\"completed\",\"exported_vectors\":";
    AppendInt(r->total, &out);
    out += ",\"files\":[";
    for (size_t i = 0; i < r->files.size(); ++i) {
      const SplitFile& f = r->files[i];
      if (i) out += ',';
      out += "{\"path\":" + JsonStr(f.path) + ",\"records\":";
      AppendInt(f.records, &out);
      out += ",\"file_size\":";
      AppendInt(static_cast<int64_t>(f.bytes), &out);
      out += ",\"sha256\":" + JsonStr(f.sha256) + "}";
    }
    out += "]}";
  } else if (!quiet) {
    std::printf("Exported %lld records from %s into %zu files in %s in %.2fs\n", static_cast<long long>(r->total),
                collection.name.c_str(), r->files.size(), output_dir.c_str(), Seconds(r->started_at, r->completed_at));
  }
  return kExitOk;
}

struct WarehouseCommands::Args {
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* migrate = nullptr;
  std::string backup_dir, format = "jsonl", name, mode = "replace";
  std::vector<std::string> collections;
  bool confirm = false, dry_run = false, json = false, quiet = false, all_tenants = false;
  // migrate
  std::string source_dir, target_dir, source_format, target_format, input_file, output_file;
};

WarehouseCommands::WarehouseCommands(CLI::App* app, StoreOpener open_store, const std::string* tenant)
    : args_(std::make_unique<Args>()), open_store_(std::move(open_store)), tenant_(tenant) {
  Args& a = *args_;
  a.backup = app->add_subcommand("backup", "Back up collections into a timestamped folder with a manifest");
  a.backup->add_option("--backup-dir", a.backup_dir, "Folder that receives the backup-<timestamp> folder")->required();
  a.backup->add_option("--format,-f", a.format, "File format: " + FormatList())->capture_default_str();
  a.backup->add_option("--collections", a.collections, "Collection to back up (repeatable; default: all)");
  a.backup->add_option("--name", a.name, "Backup folder name (default: backup-<UTC timestamp>)");
  a.backup->add_flag("--all-tenants", a.all_tenants,
                     "Back up every tenant's collections (restore puts each back into its tenant)");
  a.backup->add_flag("--json", a.json, "Print the result as JSON");
  a.backup->add_flag("--quiet,-q", a.quiet, "No progress or summary");

  a.restore = app->add_subcommand("restore", "Restore collections from a backup, after checking every file");
  a.restore->add_option("--backup-dir", a.backup_dir,
                        "A backup folder, or a folder of backups (the newest is used)")->required();
  a.restore->add_option("--collections", a.collections, "Collection to restore (repeatable; default: all)");
  a.restore->add_flag("--confirm", a.confirm, "Replace existing collections without asking");
  a.restore->add_option("--mode", a.mode, "replace, insert, skip-existing or upsert")->capture_default_str();
  a.restore->add_flag("--dry-run", a.dry_run, "Verify the backup and show what would change; write nothing");
  a.restore->add_flag("--json", a.json, "Print the result as JSON");
  a.restore->add_flag("--quiet,-q", a.quiet, "No progress or summary");

  a.verify = app->add_subcommand("verify", "Check a backup's files (sha256, size, record count) without restoring");
  a.verify->add_option("--backup-dir", a.backup_dir, "A backup folder, or a folder of backups (the newest is checked)")->required();
  a.verify->add_option("--collections", a.collections, "Only these collections (repeatable)");
  a.verify->add_flag("--json", a.json, "Print the result as JSON");

  a.migrate = app->add_subcommand("migrate", "Convert files (and a backup's manifest) from one format to another");
  a.migrate->add_option("--source-dir", a.source_dir, "Folder of files to convert");
  a.migrate->add_option("--target-dir", a.target_dir, "Folder for the converted files");
  a.migrate->add_option("--source-format", a.source_format, "Format of the input (default: from the extension)");
  a.migrate->add_option("--target-format", a.target_format, "Format of the output: " + FormatList());
  a.migrate->add_option("--input-file", a.input_file, "One file to convert");
  a.migrate->add_option("--output-file", a.output_file, "Where the converted file goes");
  a.migrate->add_flag("--json", a.json, "Print the result as JSON");
  a.migrate->add_flag("--quiet,-q", a.quiet, "No progress or summary");
}

WarehouseCommands::~WarehouseCommands() = default;

std::optional<int> WarehouseCommands::Run() {
  Args& a = *args_;
  if (a.backup->parsed()) {
    BackupOptions o;
    o.backup_dir = a.backup_dir;
    o.tenant = *tenant_;
    o.all_tenants = a.all_tenants;
    o.collections = a.collections;
    o.name = a.name;
    auto f = ParseFormatName(a.format);
    if (!f.ok()) return Fail(f.status());
    o.format = *f;
    auto store = open_store_();
    if (!store.ok()) return Fail(store.status());
    ProgressDisplay display("backup", a.quiet || a.json);
    auto r = RunBackup(store->get(), o, [&](const std::string&, const ExportProgress& p) {
      display.Update(p.percentage, p.exported, 0, p.rows_per_second);
    });
    display.Done();
    if (!r.ok()) return Fail(r.status());
    int64_t records = 0;
    for (const auto& e : r->manifest.collections) records += e.count;
    if (a.json) {
      std::printf("{\"path\":%s,\"collections\":%zu,\"records\":%lld,\"manifest\":%s}\n", JsonStr(r->path).c_str(),
                  r->manifest.collections.size(), static_cast<long long>(records),
                  ManifestToJson(r->manifest).c_str());
    } else if (!a.quiet) {
      for (const auto& e : r->manifest.collections) {
        std::printf("  %-32s %10lld records  %s (%llu bytes)\n", e.name.c_str(), static_cast<long long>(e.count),
                    e.file.c_str(), static_cast<unsigned long long>(e.bytes));
      }
      std::printf("Backed up %zu collections (%lld records) to %s in %.2fs\n", r->manifest.collections.size(),
                  static_cast<long long>(records), r->path.c_str(), Seconds(r->started_at, r->completed_at));
    }
    return kExitOk;
  }

  if (a.verify->parsed()) {
    auto r = VerifyBackup(a.backup_dir, a.collections);
    if (!r.ok()) return Fail(r.status());
    if (a.json) {
      std::string o = "{\"path\":" + JsonStr(r->path) + ",\"ok\":" + (r->ok() ? "true" : "false") + ",\"collections\":[";
      for (size_t i = 0; i < r->files.size(); ++i) {
        const VerifiedFile& f = r->files[i];
        if (i) o += ',';
        o += "{\"name\":" + JsonStr(f.entry->name) + ",\"file\":" + JsonStr(f.entry->file) +
             ",\"ok\":" + (f.ok ? "true" : "false") + ",\"records\":";
        AppendInt(f.records, &o);
        o += ",\"problem\":" + (f.ok ? std::string("null") : JsonStr(f.problem)) + "}";
      }
      std::printf("%s]}\n", o.c_str());
    } else {
      for (const VerifiedFile& f : r->files) {
        std::printf("  %-32s %s\n", f.entry->file.c_str(), f.ok ? "ok" : ("FAILED: " + f.problem).c_str());
      }
      std::printf("%s: %s (%zu files)\n", r->path.c_str(), r->ok() ? "backup is intact" : "backup is damaged",
                  r->files.size());
    }
    return r->ok() ? kExitOk : kExitFailure;
  }

  if (a.restore->parsed()) {
    RestoreOptions o;
    o.backup_dir = a.backup_dir;
    o.collections = a.collections;
    o.dry_run = a.dry_run;
    auto mode = ParseRestoreMode(a.mode);
    if (!mode.ok()) return Fail(mode.status());
    o.mode = *mode;
    auto store = open_store_();
    if (!store.ok()) return Fail(store.status());
    bool refused_without_terminal = false;
    ConfirmFn confirm = [&](const std::vector<CollectionRef>& existing) {
      if (a.confirm) return true;
      std::string names;
      for (const CollectionRef& c : existing) names += (names.empty() ? "" : ", ") + c.name;
      if (!isatty(STDIN_FILENO)) {
        refused_without_terminal = true;
        std::fprintf(stderr, "error: restore would %s existing collections (%s) and there is no terminal to ask; "
                     "run again with --confirm\n", o.mode == RestoreMode::kReplace ? "replace" : "overwrite records of",
                     names.c_str());
        return false;
      }
      std::fprintf(stderr, "Restore will %s these existing collections: %s\nContinue? [y/N] ",
                   o.mode == RestoreMode::kReplace ? "replace" : "overwrite records of", names.c_str());
      std::fflush(stderr);
      std::string answer;
      if (!std::getline(std::cin, answer)) return false;
      return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
    };
    ProgressDisplay display("restore", a.quiet || a.json);
    auto r = RunRestore(store->get(), o, confirm, [&](const std::string&, const ExportProgress& p) {
      display.Update(p.percentage, p.exported, 0, p.rows_per_second);
    });
    display.Done();
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kCancelled) {
        if (!refused_without_terminal) std::fprintf(stderr, "Restore cancelled; nothing was changed.\n");
        return kExitUsage;
      }
      return Fail(r.status());
    }
    int64_t records = 0;
    for (const auto& c : r->collections) records += c.records;
    if (a.json) {
      std::string out = "{\"path\":" + JsonStr(r->path) + ",\"dry_run\":" + (r->dry_run ? "true" : "false") +
                        ",\"mode\":" + JsonStr(RestoreModeName(o.mode)) + ",\"collections\":[";
      for (size_t i = 0; i < r->collections.size(); ++i) {
        const RestoredCollection& c = r->collections[i];
        if (i) out += ',';
        out += "{\"name\":" + JsonStr(c.collection.name) + ",\"tenant\":" + JsonStr(c.collection.tenant) +
               ",\"file\":" + JsonStr(c.file) + ",\"records\":";
        AppendInt(c.records, &out);
        out += std::string(",\"existed\":") + (c.existed ? "true" : "false") + "}";
      }
      std::printf("%s]}\n", out.c_str());
    } else if (!a.quiet) {
      for (const auto& c : r->collections) {
        std::printf("  %-32s %10lld records%s\n", c.collection.name.c_str(), static_cast<long long>(c.records),
                    c.existed ? (o.mode == RestoreMode::kReplace ? "  (replaces the existing collection)" : "  (into the existing collection)") : "");
      }
      std::printf("%s %zu collections (%lld records) from %s%s\n", r->dry_run ? "Would restore" : "Restored",
                  r->collections.size(), static_cast<long long>(records), r->path.c_str(),
                  r->dry_run ? "; the backup is intact" : "");
    }
    return kExitOk;
  }

  if (a.migrate->parsed()) {
    MigrateOptions o;
    o.source_dir = a.source_dir;
    o.target_dir = a.target_dir;
    o.input_file = a.input_file;
    o.output_file = a.output_file;
    if (!a.source_format.empty()) {
      auto f = ParseFormatName(a.source_format);
      if (!f.ok()) return Fail(f.status());
      o.source_format = *f;
    }
    if (!a.target_format.empty()) {
      auto f = ParseFormatName(a.target_format);
      if (!f.ok()) return Fail(f.status());
      o.target_format = *f;
    }
    ProgressDisplay display("migrate", a.quiet || a.json);
    auto r = RunMigrate(o, [&](const std::string&, int64_t n) { display.Update(-1, n, 0, 0); });
    display.Done();
    if (!r.ok()) return Fail(r.status());
    int64_t records = 0;
    for (const auto& f : r->files) records += f.records;
    if (a.json) {
      std::string out = "{\"files\":[";
      for (size_t i = 0; i < r->files.size(); ++i) {
        const MigratedFile& f = r->files[i];
        if (i) out += ',';
        out += "{\"source\":" + JsonStr(f.source) + ",\"target\":" + JsonStr(f.target) + ",\"records\":";
        AppendInt(f.records, &out);
        out += ",\"bytes\":";
        AppendInt(static_cast<int64_t>(f.bytes), &out);
        out += ",\"sha256\":" + JsonStr(f.sha256) + "}";
      }
      out += std::string("],\"records\":") + std::to_string(records) + ",\"manifest\":" + (r->manifest ? "true" : "false") + "}";
      std::printf("%s\n", out.c_str());
    } else if (!a.quiet) {
      for (const auto& f : r->files) {
        std::printf("  %s -> %s: %lld records\n", f.source.c_str(), f.target.c_str(), static_cast<long long>(f.records));
      }
      std::printf("Migrated %zu files (%lld records)%s in %.2fs\n", r->files.size(), static_cast<long long>(records),
                  r->manifest ? " and the manifest" : "", Seconds(r->started_at, r->completed_at));
    }
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace tributary
