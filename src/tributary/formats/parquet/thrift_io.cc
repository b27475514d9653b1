#include "tributary/formats/parquet/thrift_io.h"

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>

namespace tributary::parquet {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

namespace {

// Thrift stores any 32-bit number the input holds into the generated enum
// fields; a value outside an enum's range must not be loaded as that enum.
// These checks read the raw value and reject what the format does not
// define a range for, so the rest of the reader only sees valid enums.
template <typename E>
int32_t RawEnum(const E& e) {
  static_assert(sizeof(E) == sizeof(int32_t));
  int32_t v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

// max: the largest value the enum's range holds (its enumerators' bit width).
template <typename E>
Status CheckEnum(const E& e, int32_t max, const char* what) {
  const int32_t v = RawEnum(e);
  if (v < 0 || v > max) return Status::InvalidData(std::string("unknown ") + what + " " + std::to_string(v));
  return Status::OK();
}

constexpr int32_t kMaxType = 7, kMaxConverted = 31, kMaxRepetition = 3, kMaxEncoding = 15, kMaxCodec = 7,
                  kMaxPageType = 3;

Status CheckEnums(const fmt::PageHeader& h) {
  TRIB_RETURN_NOT_OK(CheckEnum(h.type, kMaxPageType, "page type"));
  if (h.__isset.data_page_header) {
    TRIB_RETURN_NOT_OK(CheckEnum(h.data_page_header.encoding, kMaxEncoding, "encoding"));
    TRIB_RETURN_NOT_OK(CheckEnum(h.data_page_header.definition_level_encoding, kMaxEncoding, "encoding"));
    TRIB_RETURN_NOT_OK(CheckEnum(h.data_page_header.repetition_level_encoding, kMaxEncoding, "encoding"));
  }
  if (h.__isset.dictionary_page_header) {
    TRIB_RETURN_NOT_OK(CheckEnum(h.dictionary_page_header.encoding, kMaxEncoding, "encoding"));
  }
  if (h.__isset.data_page_header_v2) {
    TRIB_RETURN_NOT_OK(CheckEnum(h.data_page_header_v2.encoding, kMaxEncoding, "encoding"));
  }
  return Status::OK();
}

Status CheckEnums(const fmt::FileMetaData& md) {
  for (const auto& e : md.schema) {
    if (e.__isset.type) TRIB_RETURN_NOT_OK(CheckEnum(e.type, kMaxType, "physical type"));
    if (e.__isset.repetition_type) TRIB_RETURN_NOT_OK(CheckEnum(e.repetition_type, kMaxRepetition, "repetition"));
    if (e.__isset.converted_type) TRIB_RETURN_NOT_OK(CheckEnum(e.converted_type, kMaxConverted, "converted type"));
  }
  for (const auto& rg : md.row_groups) {
    for (const auto& c : rg.columns) {
      if (!c.__isset.meta_data) continue;
      TRIB_RETURN_NOT_OK(CheckEnum(c.meta_data.type, kMaxType, "physical type"));
      TRIB_RETURN_NOT_OK(CheckEnum(c.meta_data.codec, kMaxCodec, "compression codec"));
      for (const auto& enc : c.meta_data.encodings) TRIB_RETURN_NOT_OK(CheckEnum(enc, kMaxEncoding, "encoding"));
    }
  }
  return Status::OK();
}

}  // namespace

template <typename T>
Status ReadThrift(const uint8_t* data, uint32_t* len, T* out, const char* what) {
  try {
    const int32_t limit = static_cast<int32_t>(std::min<uint32_t>(*len, 0x7fffffff));
    auto config = std::make_shared<TConfiguration>(limit > 0 ? limit : 1, limit > 0 ? limit : 1, 64);
    auto buffer = std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), *len, TMemoryBuffer::OBSERVE, config);
    TCompactProtocolT<TMemoryBuffer> protocol(buffer, limit, limit);
    out->read(&protocol);
    *len = *len - buffer->available_read();
    Status st = CheckEnums(*out);
    if (!st.ok()) return Status::InvalidData(std::string("cannot decode the ") + what + ": " + st.message());
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::InvalidData(std::string("cannot decode the ") + what + ": " + e.what());
  }
}

template <typename T>
Status WriteThrift(const T& v, std::string* out) {
  try {
    auto buffer = std::make_shared<TMemoryBuffer>();
    TCompactProtocolT<TMemoryBuffer> protocol(buffer);
    v.write(&protocol);
    uint8_t* p = nullptr;
    uint32_t n = 0;
    buffer->getBuffer(&p, &n);
    out->append(reinterpret_cast<const char*>(p), n);
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot encode Parquet metadata: ") + e.what());
  }
}

template Status ReadThrift(const uint8_t*, uint32_t*, fmt::PageHeader*, const char*);
template Status ReadThrift(const uint8_t*, uint32_t*, fmt::FileMetaData*, const char*);
template Status WriteThrift(const fmt::PageHeader&, std::string*);
template Status WriteThrift(const fmt::FileMetaData&, std::string*);

}  // namespace tributary::parquet
