// libFuzzer target: the Parquet reader over arbitrary bytes must return a
// Status (never crash, hang or allocate without bound). Inputs are tried as
// they are and wrapped with a valid footer frame, so the fuzzer also reaches
// the footer decoder and the page decoders.
#include <cstdint>
#include <cstring>
#include <string>

#include "tributary/formats/parquet/test_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tributary;
  std::string raw(reinterpret_cast<const char*>(data), size);
  ReadOptions ro;
  ro.batch_rows = 64;
  (void)parquet::testing::ReadAll(MemoryInput(raw), ro);
  // "PAR1" + input + footer length (the input's last half) + "PAR1".
  std::string framed = "PAR1" + raw;
  uint32_t footer = static_cast<uint32_t>(size / 2);
  framed.append(reinterpret_cast<const char*>(&footer), 4);
  framed.append("PAR1");
  (void)parquet::testing::ReadAll(MemoryInput(framed), ro);
  return 0;
}
