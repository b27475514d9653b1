// ASCII helpers for keywords and protocol text ("NaN", HTTP header and
// parameter names), where case folding is ASCII-only by definition.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace tributary {

inline char AsciiToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) return false;
  }
  return true;
}

}  // namespace tributary
