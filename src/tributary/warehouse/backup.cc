#include "tributary/warehouse/backup.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "tributary/core/json.h"
#include "tributary/core/time_util.h"
#include "tributary/formats/format.h"
#include "tributary/warehouse/fs_util.h"

namespace tributary {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStagingPrefix = ".restore-";

std::string BackupFolderName(int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "backup-%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool IsBackupFolderName(const std::string& n) { return n.rfind("backup-", 0) == 0; }

// Removes a temporary folder on scope exit unless released.
class TempFolder {
 public:
  explicit TempFolder(std::string path) : path_(std::move(path)) {}
  ~TempFolder() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

Status BackupOptions::Validate() const {
  if (backup_dir.empty()) return Status::InvalidArgument("a backup directory is required");
  if (tenant.empty()) return Status::InvalidArgument("tenant must not be empty");
  if (!name.empty() && (name.find('/') != std::string::npos || name[0] == '.')) {
    return Status::InvalidArgument("backup name '" + name + "' must be a plain folder name");
  }
  return Status::OK();
}

Result<BackupReport> RunBackup(Store* store, const BackupOptions& opts, const WarehouseProgressFn& progress) {
  TRIB_RETURN_NOT_OK(opts.Validate());
  BackupReport report;
  report.started_at = NowMicros();

  // What to back up; a named collection that does not exist is an error
  // before anything is written.
  TRIB_ASSIGN_OR_RETURN(std::vector<CollectionInfo> all,
                        store->ListCollections(opts.all_tenants ? std::string() : opts.tenant));
  std::vector<CollectionInfo> chosen;
  if (opts.collections.empty()) {
    for (CollectionInfo& c : all) {
      if (c.name.rfind(kStagingPrefix, 0) == 0) continue;  // a restore in progress
      chosen.push_back(std::move(c));
    }
  } else {
    for (const std::string& name : opts.collections) {
      bool found = false;
      for (const CollectionInfo& c : all) {
        if (c.name != name) continue;
        found = true;
        if (std::none_of(chosen.begin(), chosen.end(), [&](const CollectionInfo& x) {
              return x.name == name && x.tenant == c.tenant;
            })) {
          chosen.push_back(c);
        }
      }
      if (!found) {
        return Status::NotFound("collection '" + name + "' not found in " +
                                (opts.all_tenants ? std::string("any tenant") : "tenant '" + opts.tenant + "'"));
      }
    }
  }

  std::error_code ec;
  fs::create_directories(opts.backup_dir, ec);
  if (ec) return Status::IOError("cannot create backup directory " + opts.backup_dir + ": " + ec.message());
  std::string name = opts.name.empty() ? BackupFolderName(report.started_at) : opts.name;
  fs::path final_path = fs::path(opts.backup_dir) / name;
  if (opts.name.empty()) {
    for (int i = 2; fs::exists(final_path, ec); ++i) final_path = fs::path(opts.backup_dir) / (name + "-" + std::to_string(i));
  } else if (fs::exists(final_path, ec)) {
    return Status::AlreadyExists("backup " + final_path.string() + " already exists");
  }
  const fs::path tmp_path = fs::path(opts.backup_dir) / ("." + final_path.filename().string() + ".partial-" +
                                                         NewJobId().substr(0, 8));
  fs::create_directories(tmp_path, ec);
  if (ec) return Status::IOError("cannot create " + tmp_path.string() + ": " + ec.message());
  TempFolder cleanup(tmp_path.string());

  Manifest& m = report.manifest;
  m.tool_version = TRIBUTARY_VERSION;
  m.created_at = report.started_at;
  m.format = opts.format;
  m.all_tenants = opts.all_tenants;
  if (!opts.all_tenants) m.tenants.push_back(opts.tenant);
  for (const CollectionInfo& info : chosen) {
    if (std::find(m.tenants.begin(), m.tenants.end(), info.tenant) == m.tenants.end()) m.tenants.push_back(info.tenant);
  }
  std::sort(m.tenants.begin(), m.tenants.end());
  for (const CollectionInfo& info : chosen) {
    ManifestEntry e;
    e.name = info.name;
    e.tenant = info.tenant;
    e.format = opts.format;
    e.file = (opts.all_tenants ? SafeFileStem(info.tenant) + "@" : std::string()) + SafeFileStem(info.name) + "." +
             std::string(FormatExtension(opts.format));
    ExportOptions eo;
    eo.collection = {info.tenant, info.name};
    eo.output_path = (tmp_path / e.file).string();
    eo.format = opts.format;
    eo.compression = Compression::kNone;
    ExportProgressFn ep;
    if (progress) ep = [&](const ExportProgress& p) { progress(info.name, p); };
    TRIB_ASSIGN_OR_RETURN(ExportReport r, RunExport(store, eo, ep));
    if (r.status != "completed") {
      return Status::IOError("backup of collection '" + info.name + "' failed: " + r.error);
    }
    TRIB_RETURN_NOT_OK(SyncPath(eo.output_path));
    // The collection as it was when its file was written (a first import may
    // have fixed its dimension since the listing).
    Result<CollectionInfo> now = store->GetCollection(eo.collection);
    e.dimension = now.ok() ? now->dimension : info.dimension;
    e.metadata_schema = now.ok() ? now->metadata_schema : info.metadata_schema;
    if (!e.metadata_schema.empty()) {
      // Stored verbatim in the manifest; it must be a JSON object.
      Result<JsonValue> schema = JsonValue::Parse(e.metadata_schema);
      e.metadata_schema = schema.ok() && schema->is_object() ? schema->ToString() : std::string();
    }
    e.count = r.exported_vectors;
    e.bytes = r.file_size;
    e.sha256 = r.sha256;
    m.collections.push_back(std::move(e));
  }
  TRIB_RETURN_NOT_OK(WriteManifest(tmp_path.string(), m));
  TRIB_RETURN_NOT_OK(SyncPath(tmp_path.string()));
  fs::rename(tmp_path, final_path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp_path.string() + " to " + final_path.string() + ": " + ec.message());
  cleanup.Release();
  TRIB_RETURN_NOT_OK(SyncPath(opts.backup_dir));
  report.path = final_path.string();
  report.completed_at = NowMicros();
  return report;
}

Result<std::string> ResolveBackupDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("backup directory " + dir + " does not exist");
  if (fs::is_regular_file(fs::path(dir) / kManifestFileName, ec)) return dir;
  std::string newest;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string n = entry.path().filename().string();
    if (!entry.is_directory() || !IsBackupFolderName(n)) continue;
    if (!fs::is_regular_file(entry.path() / kManifestFileName, ec)) continue;
    // backup-YYYYMMDDTHHMMSSZ[-k]: the name orders by time.
    if (newest.empty() || n > newest) newest = n;
  }
  if (newest.empty()) return Status::NotFound("no backup in " + dir + " (no " + kManifestFileName + ")");
  return (fs::path(dir) / newest).string();
}

std::string VerifyReport::Problems() const {
  std::string s;
  for (const VerifiedFile& f : files) {
    if (f.ok) continue;
    if (!s.empty()) s += "; ";
    s += f.entry->file + ": " + f.problem;
  }
  return s;
}

Result<VerifyReport> VerifyBackup(const std::string& dir, const std::vector<std::string>& names) {
  VerifyReport report;
  TRIB_ASSIGN_OR_RETURN(report.path, ResolveBackupDir(dir));
  TRIB_ASSIGN_OR_RETURN(report.manifest, ReadManifest(report.path));
  for (const std::string& n : names) {
    const auto& cols = report.manifest.collections;
    if (std::none_of(cols.begin(), cols.end(), [&](const ManifestEntry& e) { return e.name == n; })) {
      return Status::NotFound("collection '" + n + "' is not in the backup " + report.path);
    }
  }
  for (const ManifestEntry& e : report.manifest.collections) {
    if (!names.empty() && std::find(names.begin(), names.end(), e.name) == names.end()) continue;
    VerifiedFile vf;
    vf.entry = &e;
    const std::string path = (fs::path(report.path) / e.file).string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      vf.problem = "missing";
      report.files.push_back(std::move(vf));
      continue;
    }
    const uint64_t size = fs::file_size(path, ec);
    if (!ec && size != e.bytes) {
      vf.problem = "size mismatch: manifest says " + std::to_string(e.bytes) + " bytes, file has " +
                   std::to_string(size);
      report.files.push_back(std::move(vf));
      continue;
    }
    Result<DataFileFacts> facts = InspectDataFile(path, e.format);
    if (!facts.ok()) {
      vf.problem = facts.status().message();
    } else {
      vf.records = facts->records;
      vf.bytes = facts->bytes;
      if (facts->bytes != e.bytes) {
        vf.problem = "size mismatch: manifest says " + std::to_string(e.bytes) + " bytes, file has " +
                     std::to_string(facts->bytes);
      } else if (facts->sha256 != e.sha256) {
        vf.problem = "sha256 mismatch: manifest says " + e.sha256 + ", file has " + facts->sha256;
      } else if (facts->records != e.count) {
        vf.problem = "record count mismatch: manifest says " + std::to_string(e.count) + ", file holds " +
                     std::to_string(facts->records);
      } else {
        vf.ok = true;
      }
    }
    report.files.push_back(std::move(vf));
  }
  return report;
}

Result<RestoreMode> ParseRestoreMode(std::string_view name) {
  if (name == "replace") return RestoreMode::kReplace;
  if (name == "insert") return RestoreMode::kInsert;
  if (name == "skip-existing" || name == "skip_existing") return RestoreMode::kSkipExisting;
  if (name == "upsert") return RestoreMode::kUpsert;
  return Status::InvalidArgument("unknown restore mode '" + std::string(name) +
                                 "' (expected replace, insert, skip-existing or upsert)");
}

std::string_view RestoreModeName(RestoreMode m) {
  switch (m) {
    case RestoreMode::kReplace: return "replace";
    case RestoreMode::kInsert: return "insert";
    case RestoreMode::kSkipExisting: return "skip-existing";
    case RestoreMode::kUpsert: return "upsert";
  }
  return "unknown";
}

Result<RestoreReport> RunRestore(Store* store, const RestoreOptions& opts, const ConfirmFn& confirm,
                                 const WarehouseProgressFn& progress) {
  if (opts.batch_size < 1 || opts.batch_size > kMaxBatchSize) {
    return Status::InvalidArgument("batch size must be between 1 and " + std::to_string(kMaxBatchSize));
  }
  RestoreReport report;
  report.started_at = NowMicros();
  report.dry_run = opts.dry_run;
  TRIB_ASSIGN_OR_RETURN(report.verify, VerifyBackup(opts.backup_dir, opts.collections));
  report.path = report.verify.path;
  if (!report.verify.ok()) {
    return Status::InvalidData("backup " + report.path + " failed verification, nothing was restored: " +
                               report.verify.Problems());
  }

  std::vector<CollectionRef> existing;
  for (const VerifiedFile& f : report.verify.files) {
    RestoredCollection rc;
    rc.collection = {f.entry->tenant, f.entry->name};
    rc.file = f.entry->file;
    rc.records = f.records;
    Result<CollectionInfo> info = store->GetCollection(rc.collection);
    if (info.ok()) {
      rc.existed = true;
      existing.push_back(rc.collection);
    } else if (!info.status().IsNotFound()) {
      return info.status();
    }
    report.collections.push_back(std::move(rc));
  }
  const bool overwrites = opts.mode == RestoreMode::kReplace || opts.mode == RestoreMode::kUpsert;
  if (opts.dry_run) {
    report.completed_at = NowMicros();
    return report;
  }
  if (overwrites && !existing.empty() && !(confirm && confirm(existing))) {
    return Status::Cancelled("restore not confirmed; nothing was changed");
  }

  for (size_t i = 0; i < report.collections.size(); ++i) {
    RestoredCollection& rc = report.collections[i];
    const ManifestEntry& e = *report.verify.files[i].entry;
    ImportOptions io;
    io.input_path = (fs::path(report.path) / e.file).string();
    io.format = e.format;
    io.batch_size = opts.batch_size;
    io.dimension = e.dimension;
    io.max_errors = 0;
    io.resume = false;
    io.job_id = "restore-" + NewJobId();
    io.read.allow_non_finite = true;
    io.check_metadata_schema = false;  // exact: what was stored comes back
    CollectionRef target = rc.collection;
    if (opts.mode == RestoreMode::kReplace) {
      io.collection = {target.tenant, kStagingPrefix + target.name};
      io.mode = WriteMode::kInsert;
      Status dropped = store->DropCollection(io.collection);  // left by an interrupted restore
      if (!dropped.ok() && !dropped.IsNotFound()) return dropped;
    } else {
      io.collection = target;
      io.mode = opts.mode == RestoreMode::kInsert ? WriteMode::kInsert
                : opts.mode == RestoreMode::kUpsert ? WriteMode::kUpsert
                                                    : WriteMode::kSkipExisting;
    }
    if (!(opts.mode != RestoreMode::kReplace && rc.existed)) {
      auto created = store->CreateCollection(io.collection, e.dimension, e.metadata_schema);
      if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) return created.status();
    }
    ImportProgressFn ip;
    if (progress) {
      ip = [&](const ImportProgress& p) {
        ExportProgress ep;
        ep.exported = p.records_read;
        ep.total = rc.records;
        ep.percentage = p.percentage;
        ep.rows_per_second = p.rows_per_second;
        progress(target.name, ep);
      };
    }
    auto failed = [&](const std::string& why) {
      if (opts.mode == RestoreMode::kReplace) (void)store->DropCollection(io.collection);
      return Status::IOError("restore of collection '" + target.name + "' from " + e.file + " failed" +
                             (opts.mode == RestoreMode::kReplace ? " (the collection is unchanged)" : "") +
                             ": " + why);
    };
    Result<ImportReport> ir = RunImport(store, io, ip);
    if (!ir.ok()) return failed(ir.status().message());
    rc.import = *ir;
    if (ir->status != JobStatus::kCompleted) {
      std::string why = ir->error;
      if (!ir->errors.empty()) why += (why.empty() ? "" : ": ") + ir->errors[0].message;
      return failed(why.empty() ? std::string(JobStatusName(ir->status)) : why);
    }
    if (ir->total_rows != e.count) {
      return failed("read " + std::to_string(ir->total_rows) + " records, the manifest says " +
                    std::to_string(e.count));
    }
    (void)store->DeleteCheckpoint(io.collection, io.job_id);
    if (opts.mode == RestoreMode::kReplace) {
      Result<CollectionInfo> loaded = store->GetCollection(io.collection);
      if (!loaded.ok()) return failed(loaded.status().message());
      if (loaded->count != e.count) {
        return failed("loaded " + std::to_string(loaded->count) + " records, the manifest says " +
                      std::to_string(e.count));
      }
      Status swapped = store->RenameCollection(io.collection, target, /*replace=*/true);
      if (!swapped.ok()) return failed(swapped.message());
    }
  }
  TRIB_RETURN_NOT_OK(store->Sync());
  report.completed_at = NowMicros();
  return report;
}

}  // namespace tributary
