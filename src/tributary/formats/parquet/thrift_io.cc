#include "tributary/formats/parquet/thrift_io.h"

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstring>
#include <exception>
#include <string>
#include <memory>

namespace tributary::parquet {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

namespace {

// Thrift stores whatever int32 the wire holds in the C++ enum fields, and
// loading an enum outside its range is undefined behaviour. So every enum of
// a decoded struct is checked as a raw integer (memcpy, no enum load) against
// the values the specification defines, before anything reads it.
template <typename E>
bool EnumInRange(const E& field, int32_t max) {
  static_assert(sizeof(E) == sizeof(int32_t));
  int32_t raw;
  std::memcpy(&raw, &field, sizeof(raw));
  return raw >= 0 && raw <= max;
}

Status BadEnum(const char* what, const char* field, const void* value) {
  int32_t raw;
  std::memcpy(&raw, value, sizeof(raw));
  return Status::InvalidData(std::string("corrupt ") + what + ": unknown " + field + " value " + std::to_string(raw));
}

#define TRIB_CHECK_ENUM(what, field, max) \
  if (!EnumInRange(field, max)) return BadEnum(what, #field, &(field))

Status CheckEnums(const fmt::PageHeader& h, const char* what) {
  TRIB_CHECK_ENUM(what, h.type, 3);
  if (h.__isset.data_page_header) {
    TRIB_CHECK_ENUM(what, h.data_page_header.encoding, 9);
    TRIB_CHECK_ENUM(what, h.data_page_header.definition_level_encoding, 9);
    TRIB_CHECK_ENUM(what, h.data_page_header.repetition_level_encoding, 9);
  }
  if (h.__isset.dictionary_page_header) TRIB_CHECK_ENUM(what, h.dictionary_page_header.encoding, 9);
  if (h.__isset.data_page_header_v2) TRIB_CHECK_ENUM(what, h.data_page_header_v2.encoding, 9);
  return Status::OK();
}

Status CheckEnums(const fmt::FileMetaData& m, const char* what) {
  for (const auto& e : m.schema) {
    TRIB_CHECK_ENUM(what, e.type, 7);
    TRIB_CHECK_ENUM(what, e.repetition_type, 2);
    TRIB_CHECK_ENUM(what, e.converted_type, 21);
  }
  for (const auto& rg : m.row_groups) {
    for (const auto& c : rg.columns) {
      if (!c.__isset.meta_data) continue;
      TRIB_CHECK_ENUM(what, c.meta_data.type, 7);
      TRIB_CHECK_ENUM(what, c.meta_data.codec, 7);
      for (const auto& enc : c.meta_data.encodings) TRIB_CHECK_ENUM(what, enc, 9);
    }
  }
  return Status::OK();
}

#undef TRIB_CHECK_ENUM

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
    return CheckEnums(*out, what);
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
