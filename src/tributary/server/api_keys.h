// API keys of the REST service.
//
// A key belongs to a tenant and has a role (admin or user). Only the sha256
// of a key is stored; a presented key is hashed and compared against every
// known hash in constant time (CRYPTO_memcmp, no early exit), so response
// times say nothing about which keys exist.
//
// Keys live in <data-dir>/service.db (table api_keys), created with
// `tributary keys create`, which prints the key once. TRIBUTARY_API_KEYS adds
// keys for one process only (containers, tests):
//   TRIBUTARY_API_KEYS="key1:tenant-a:admin,key2:tenant-b"   (role defaults to user)
// A key the running server does not know is looked up again in the database
// when another process has written to it since, so keys created while it
// runs work at once.
//
// Thread-safety: KeyStore is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/status.h"

struct sqlite3;

namespace tributary {

struct ApiKey {
  std::string key_id;  // shown in logs and the audit log; not secret
  std::string tenant;
  bool admin = false;
  std::array<unsigned char, 32> hash{};
  int64_t created_at = 0;
};

// Tenant names follow the rules of dataset ids: 1 to 128 of [A-Za-z0-9._-],
// not "." or "..".
bool IsValidName(std::string_view name);

class KeyStore {
 public:
  // Opens (creating) the key table in the database at db_path.
  static Result<std::unique_ptr<KeyStore>> Open(const std::string& db_path);
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Adds the keys of a TRIBUTARY_API_KEYS value (not persisted).
  Status AddFromSpec(std::string_view spec);
  // Creates, stores and returns a new random key ("trk_<id>_<secret>").
  Result<std::string> Create(const std::string& tenant, bool admin, std::string* key_id);
  // The key's record, or nullopt for an unknown key.
  std::optional<ApiKey> Authenticate(std::string_view presented);
  size_t size();

 private:
  KeyStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Reload();        // REQUIRES: mu_ held
  int64_t DataVersion();  // REQUIRES: mu_ held
  const ApiKey* Match(const std::array<unsigned char, 32>& hash) const;

  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
  std::vector<ApiKey> stored_;  // from the database
  std::vector<ApiKey> seeded_;  // from TRIBUTARY_API_KEYS
  int64_t last_reload_ = 0;
  int64_t data_version_ = -1;
};

}  // namespace tributary
