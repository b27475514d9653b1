#include "tributary/formats/parquet/dictionary_encoder.h"

#include <functional>

#include "tributary/formats/parquet/encoding.h"

namespace tributary::parquet {

uint32_t StringDictionary::Add(std::string_view s) {
  if ((size() + 1) * 2 > slots_.size()) Grow();
  const uint64_t h = std::hash<std::string_view>{}(s);
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>(h) & mask;
  while (slots_[i] != 0) {
    const uint32_t k = slots_[i] - 1;
    if (hashes_[k] == h && Get(k) == s) return k;
    i = (i + 1) & mask;
  }
  const uint32_t k = static_cast<uint32_t>(size());
  arena_.append(s);
  offsets_.push_back(arena_.size());
  hashes_.push_back(h);
  slots_[i] = k + 1;
  return k;
}

void StringDictionary::Grow() {
  const size_t n = slots_.empty() ? 1024 : slots_.size() * 2;
  slots_.assign(n, 0);
  const size_t mask = n - 1;
  for (uint32_t k = 0; k < size(); ++k) {
    size_t i = static_cast<size_t>(hashes_[k]) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = k + 1;
  }
}

void StringDictionary::AppendPlain(std::string* out) const {
  out->reserve(out->size() + page_bytes());
  for (uint32_t k = 0; k < size(); ++k) {
    const std::string_view s = Get(k);
    const uint32_t len = static_cast<uint32_t>(s.size());
    const char b[4] = {static_cast<char>(len), static_cast<char>(len >> 8), static_cast<char>(len >> 16),
                       static_cast<char>(len >> 24)};
    out->append(b, 4);
    out->append(s);
  }
}

void StringDictionary::Clear() {
  arena_.clear();
  offsets_.assign(1, 0);
  hashes_.clear();
  slots_.clear();
}

void EncodeDictionaryIndices(const uint32_t* idx, size_t n, size_t dict_size, std::string* out) {
  const int bw = BitWidth(dict_size > 0 ? dict_size - 1 : 0);
  out->push_back(static_cast<char>(bw));
  if (bw == 0 || n == 0) {
    // Every index is 0: one RLE run (no value bytes at width 0).
    if (n > 0) AppendUleb128(uint64_t{n} << 1, out);
    return;
  }
  // Bit-packed runs of at most 63 groups of 8 values; the last group is
  // padded with zeros (readers stop at the page's value count).
  constexpr size_t kGroupsPerRun = 63;
  size_t i = 0;
  while (i < n) {
    const size_t groups = std::min(kGroupsPerRun, (n - i + 7) / 8);
    AppendUleb128((uint64_t{groups} << 1) | 1, out);
    const size_t start = out->size();
    out->resize(start + groups * static_cast<size_t>(bw));  // 8 values of bw bits = bw bytes
    uint8_t* p = reinterpret_cast<uint8_t*>(out->data() + start);
    uint64_t acc = 0;
    int bits = 0;
    size_t pos = 0;
    for (size_t k = 0; k < groups * 8; ++k, ++i) {
      const uint64_t v = i < n ? idx[i] : 0;
      acc |= v << bits;
      bits += bw;
      while (bits >= 8) {
        p[pos++] = static_cast<uint8_t>(acc);
        acc >>= 8;
        bits -= 8;
      }
    }
    if (i > n) i = n;
  }
}

}  // namespace tributary::parquet
