// Backup, verification and restore of collections.
//
// A backup is a folder <backup_dir>/backup-<UTC timestamp>/ holding one file
// per collection, in any format the build has, and a manifest.json
// (warehouse/manifest.h) with each file's record count, size and sha256.
// It is written into a hidden temporary folder beside it, synced, and renamed
// into place only when complete: an interrupted backup never looks complete.
//
// Restore checks every selected file's sha256, size and record count against
// the manifest before it writes anything; a failed check changes nothing. In
// the default replace mode each collection is loaded into a staging
// collection and then swapped in with Store::RenameCollection, so an existing
// collection is replaced in one transaction, and a restore that fails half
// way leaves it as it was. Records come back exactly: ids, float32 bits,
// metadata, timestamps, insertion order.
//
// Thread-safety: each call is independent; the Store may be shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"
#include "tributary/pipeline/export.h"
#include "tributary/pipeline/import.h"
#include "tributary/store/store.h"
#include "tributary/warehouse/manifest.h"

namespace tributary {

struct BackupOptions {
  std::string backup_dir;             // parent folder; created if missing
  Format format = Format::kJsonl;
  std::string tenant = kDefaultTenant;
  std::vector<std::string> collections;  // empty = every collection of tenant
  // Every tenant's collections (tenant is then unused; collections, if
  // given, are matched by name in every tenant). Files are named
  // "<tenant>@<collection>.<ext>" ("@" is escaped inside names) so equal
  // names in two tenants stay apart;
  // restore puts each collection back into its own tenant.
  bool all_tenants = false;
  // Name of the backup folder; empty = "backup-YYYYMMDDTHHMMSSZ" (with "-2",
  // "-3", ... if taken).
  std::string name;
  Status Validate() const;
};

struct BackupReport {
  std::string path;  // the complete backup folder
  Manifest manifest;
  int64_t started_at = 0;
  int64_t completed_at = 0;
};

// (collection, progress of its export)
using WarehouseProgressFn = std::function<void(const std::string&, const ExportProgress&)>;

Result<BackupReport> RunBackup(Store* store, const BackupOptions& options,
                               const WarehouseProgressFn& progress = nullptr);

// The folder holding a backup: dir itself when it has a manifest.json,
// otherwise the newest complete backup-* folder inside dir.
Result<std::string> ResolveBackupDir(const std::string& dir);

struct VerifiedFile {
  const ManifestEntry* entry = nullptr;  // into VerifyReport::manifest
  bool ok = false;
  std::string problem;  // "missing", "sha256 mismatch ...", ...
  int64_t records = 0;
  uint64_t bytes = 0;
};

struct VerifyReport {
  std::string path;
  Manifest manifest;
  std::vector<VerifiedFile> files;
  bool ok() const {
    for (const VerifiedFile& f : files) {
      if (!f.ok) return false;
    }
    return true;
  }
  // "docs.jsonl: sha256 mismatch ...; other.jsonl: missing"
  std::string Problems() const;
};

// Checks the files of the backup at dir (resolved with ResolveBackupDir);
// only the named collections when names is not empty (NotFound for a name
// the manifest lacks). A non-OK Status means there is no readable manifest;
// file problems are in the report.
Result<VerifyReport> VerifyBackup(const std::string& dir, const std::vector<std::string>& names = {});

enum class RestoreMode : uint8_t {
  kReplace,       // each collection becomes exactly the backup's (default)
  kInsert,        // add records into the existing collection; duplicates are row errors
  kSkipExisting,  // add records whose id is not there yet
  kUpsert,        // add or overwrite by id
};
Result<RestoreMode> ParseRestoreMode(std::string_view name);
std::string_view RestoreModeName(RestoreMode m);

struct RestoreOptions {
  std::string backup_dir;
  std::vector<std::string> collections;  // empty = all in the manifest
  RestoreMode mode = RestoreMode::kReplace;
  bool dry_run = false;  // verify and plan only
  size_t batch_size = kMaxBatchSize;
};

struct RestoredCollection {
  CollectionRef collection;
  std::string file;
  int64_t records = 0;    // in the file
  bool existed = false;   // the collection was there before
  ImportReport import;    // the load (empty in a dry run)
};

struct RestoreReport {
  std::string path;
  VerifyReport verify;
  std::vector<RestoredCollection> collections;
  bool dry_run = false;
  int64_t started_at = 0;
  int64_t completed_at = 0;
};

// Asked, after verification and before anything is written, whether the
// listed existing collections may be overwritten (replace and upsert modes).
// Returning false cancels the restore with nothing changed.
using ConfirmFn = std::function<bool(const std::vector<CollectionRef>& existing)>;

// Errors: InvalidData (verification failed; report in the message),
// Cancelled (not confirmed), or the failure of a load (earlier collections
// stay restored; the failing one is as it was before in replace mode).
Result<RestoreReport> RunRestore(Store* store, const RestoreOptions& options, const ConfirmFn& confirm,
                                 const WarehouseProgressFn& progress = nullptr);

}  // namespace tributary
