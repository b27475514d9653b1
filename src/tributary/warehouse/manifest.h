// The manifest of a backup (manifest.json): what a backup folder holds and
// how to check it.
//
//   {"tool": "tributary", "version": "0.1.0", "manifest_version": 1,
//    "created_at": "2024-01-21T10:15:00Z", "format": "jsonl",
//    "all_tenants": false, "tenants": ["default"],
//    "collections": [
//      {"name": "docs", "tenant": "default", "dimension": 768, "count": 1000,
//       "format": "jsonl", "file": "docs.jsonl", "bytes": 4123456,
//       "sha256": "…64 hex digits…", "metadata_schema": {...} | null}]}
//
// A manifest is untrusted input when read back: ParseManifest checks every
// member's type, that file names stay inside the backup folder, and that
// formats are ones this build knows, and names what is wrong.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"

namespace tributary {

inline constexpr const char* kManifestFileName = "manifest.json";
inline constexpr int kManifestVersion = 1;

struct ManifestEntry {
  std::string name;
  std::string tenant;
  int32_t dimension = 0;
  int64_t count = 0;
  Format format = Format::kJsonl;
  std::string file;  // relative to the backup folder, no directories
  uint64_t bytes = 0;
  std::string sha256;  // lower-case hex
  std::string metadata_schema;  // compact JSON text; empty = none
};

struct Manifest {
  std::string tool_version;
  int64_t created_at = 0;  // micros since epoch
  Format format = Format::kJsonl;
  // The tenants whose collections the backup holds, sorted ("tenants" in
  // the file; older manifests lack it and it is then derived from the
  // entries). A backup of every tenant lists them all.
  std::vector<std::string> tenants;
  bool all_tenants = false;  // "all_tenants": taken with --all-tenants
  std::vector<ManifestEntry> collections;
};

std::string ManifestToJson(const Manifest& m);
// source names the file in messages.
Result<Manifest> ParseManifest(std::string_view json, const std::string& source);

// Reads and parses <dir>/manifest.json.
Result<Manifest> ReadManifest(const std::string& dir);
// Writes <dir>/manifest.json atomically and durably.
Status WriteManifest(const std::string& dir, const Manifest& m);

// A file name for a collection that is safe on every filesystem and unique
// per name: letters, digits, '_' and '-' are kept, every other byte becomes
// %XX ("my docs" -> "my%20docs"); a leading '.' is escaped too.
std::string SafeFileStem(std::string_view name);

// Every format this build can read and write, in enum order (jsonl, json,
// csv, tsv, and whatever else the build registers).
std::vector<Format> AvailableFormats();

}  // namespace tributary
