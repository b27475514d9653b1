#include "tributary/server/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "tributary/core/time_util.h"
#include "tributary/io/sha256.h"

namespace tributary {
namespace {

std::array<unsigned char, 32> HashKey(std::string_view key) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 15]);
  }
  return s;
}

bool FromHex(std::string_view hex, std::array<unsigned char, 32>* out) {
  if (hex.size() != 64) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::unique_ptr<KeyStore>> KeyStore::Open(const std::string& db_path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IOError("cannot open key database " + db_path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  std::unique_ptr<KeyStore> ks(new KeyStore(db, db_path));
  char* err = nullptr;
  rc = sqlite3_exec(db,
                    "PRAGMA journal_mode=WAL;"
                    "CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, "
                    "role TEXT NOT NULL, sha256 TEXT NOT NULL, created_at INTEGER NOT NULL)",
                    nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "error";
    sqlite3_free(err);
    return Status::IOError("key database " + db_path + ": " + msg);
  }
  std::lock_guard<std::mutex> lock(ks->mu_);
  ks->data_version_ = ks->DataVersion();
  TRIB_RETURN_NOT_OK(ks->Reload());
  return ks;
}

KeyStore::~KeyStore() { sqlite3_close(db_); }

Status KeyStore::Reload() {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT key_id, tenant, role, sha256, created_at FROM api_keys", -1, &st, nullptr);
  if (rc != SQLITE_OK) return Status::IOError("key database " + path_ + ": " + sqlite3_errmsg(db_));
  std::vector<ApiKey> keys;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ApiKey k;
    k.key_id = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    k.tenant = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    k.admin = std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(st, 2))) == "admin";
    if (!FromHex(reinterpret_cast<const char*>(sqlite3_column_text(st, 3)), &k.hash)) continue;
    k.created_at = sqlite3_column_int64(st, 4);
    keys.push_back(std::move(k));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::IOError("key database " + path_ + ": " + sqlite3_errmsg(db_));
  stored_ = std::move(keys);
  last_reload_ = NowMicros();
  return Status::OK();
}

Status KeyStore::AddFromSpec(std::string_view spec) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view entry = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    ++n;
    if (entry.empty()) continue;
    size_t c1 = entry.find(':');
    if (c1 == std::string_view::npos) {
      return Status::InvalidArgument("TRIBUTARY_API_KEYS entry " + std::to_string(n) +
                                     ": expected key:tenant[:admin|:user]");
    }
    std::string_view key = entry.substr(0, c1);
    std::string_view rest = entry.substr(c1 + 1);
    size_t c2 = rest.find(':');
    std::string_view tenant = rest.substr(0, c2);
    std::string_view role = c2 == std::string_view::npos ? "user" : rest.substr(c2 + 1);
    if (key.size() < 8) {
      return Status::InvalidArgument("TRIBUTARY_API_KEYS entry " + std::to_string(n) + ": a key needs at least 8 characters");
    }
    if (!IsValidName(tenant)) {
      return Status::InvalidArgument("TRIBUTARY_API_KEYS entry " + std::to_string(n) + ": invalid tenant name");
    }
    if (role != "admin" && role != "user") {
      return Status::InvalidArgument("TRIBUTARY_API_KEYS entry " + std::to_string(n) + ": role must be admin or user");
    }
    ApiKey k;
    k.hash = HashKey(key);
    k.key_id = "env-" + Hex(k.hash.data(), 6);
    k.tenant = std::string(tenant);
    k.admin = role == "admin";
    k.created_at = NowMicros();
    seeded_.push_back(std::move(k));
  }
  return Status::OK();
}

Result<std::string> KeyStore::Create(const std::string& tenant, bool admin, std::string* key_id) {
  if (!IsValidName(tenant)) {
    return Status::InvalidArgument("invalid tenant name '" + tenant +
                                   "': use 1 to 128 letters, digits, '.', '_' or '-'");
  }
  unsigned char id_bytes[6], secret[24];
  if (RAND_bytes(id_bytes, sizeof(id_bytes)) != 1 || RAND_bytes(secret, sizeof(secret)) != 1) {
    return Status::Internal("no random bytes for a key");
  }
  std::string id = Hex(id_bytes, sizeof(id_bytes));
  std::string key = "trk_" + id + "_" + Hex(secret, sizeof(secret));
  auto hash = HashKey(key);
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db_, "INSERT INTO api_keys VALUES (?,?,?,?,?)", -1, &st, nullptr);
  if (rc != SQLITE_OK) return Status::IOError("key database " + path_ + ": " + sqlite3_errmsg(db_));
  std::string hex = Hex(hash.data(), hash.size());
  sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, tenant.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, admin ? "admin" : "user", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, hex.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, NowMicros());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::IOError("key database " + path_ + ": " + sqlite3_errmsg(db_));
  TRIB_RETURN_NOT_OK(Reload());
  *key_id = id;
  return key;
}

const ApiKey* KeyStore::Match(const std::array<unsigned char, 32>& hash) const {
  const ApiKey* found = nullptr;
  for (const auto* list : {&stored_, &seeded_}) {
    for (const ApiKey& k : *list) {
      // Every candidate is compared in full; no early exit.
      if (CRYPTO_memcmp(k.hash.data(), hash.data(), hash.size()) == 0 && !found) found = &k;
    }
  }
  return found;
}

std::optional<ApiKey> KeyStore::Authenticate(std::string_view presented) {
  if (presented.empty() || presented.size() > 512) return std::nullopt;
  auto hash = HashKey(presented);
  std::lock_guard<std::mutex> lock(mu_);
  const ApiKey* k = Match(hash);
  if (!k) {
    // Another process (`tributary keys create`) may have added keys since;
    // data_version changes whenever another connection commits.
    int64_t version = DataVersion();
    if (version != data_version_ && Reload().ok()) {
      data_version_ = version;
      k = Match(hash);
    }
  }
  if (!k) return std::nullopt;
  return *k;
}

int64_t KeyStore::DataVersion() {
  sqlite3_stmt* st = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db_, "PRAGMA data_version", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return v;
}

size_t KeyStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return stored_.size() + seeded_.size();
}

}  // namespace tributary
