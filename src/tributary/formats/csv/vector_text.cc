#include "tributary/formats/csv/vector_text.h"

#include "tributary/core/float_parse.h"

namespace tributary::csv {

const char* ParseFloatFast(const char* p, const char* end, float* out) {
  return ParseFloatPrefix(p, end, end, out);
}

bool ParseBracketedVector(std::string_view text, FloatVector* out) {
  if (text.size() < 3) return false;
  const char* const end = text.data() + text.size();
  return ParseFloatArray(text.data(), end, end, out) == end && !out->empty();
}

}  // namespace tributary::csv
