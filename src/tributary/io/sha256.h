// Incremental SHA-256 (OpenSSL EVP underneath).
// Thread-safety: one object per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace tributary {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // Lower-case hex digest. REQUIRES: called once.
  std::string FinishHex();

  static std::string HexOf(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary
