// Dictionary encoding for the Parquet writer's string columns: the
// dictionary of one column chunk (distinct strings in order of first
// appearance, found through an open-addressing hash table over one arena)
// and the RLE_DICTIONARY encoding of a page's indices (a bit-width byte,
// then bit-packed runs of the RLE/bit-packed hybrid).
//
// Thread-safety: single owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tributary::parquet {

class StringDictionary {
 public:
  // The index of s, adding it when it is new.
  uint32_t Add(std::string_view s);
  size_t size() const { return offsets_.size() - 1; }
  // Bytes of the PLAIN dictionary page: 4-byte lengths plus the strings.
  size_t page_bytes() const { return arena_.size() + 4 * size(); }
  // Appends the dictionary page's body (PLAIN) to *out.
  void AppendPlain(std::string* out) const;
  void Clear();

 private:
  std::string_view Get(uint32_t i) const {
    return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  void Grow();

  std::string arena_;
  std::vector<uint64_t> offsets_ = {0};
  std::vector<uint32_t> slots_;  // index + 1; 0 = empty
  std::vector<uint64_t> hashes_;  // per index, to rehash without rereading
};

// Appends a data page's values in RLE_DICTIONARY: one byte of bit width
// (enough for dict_size - 1), then the indices bit-packed.
void EncodeDictionaryIndices(const uint32_t* idx, size_t n, size_t dict_size, std::string* out);

}  // namespace tributary::parquet
