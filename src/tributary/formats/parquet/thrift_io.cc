#include "tributary/formats/parquet/thrift_io.h"

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <exception>
#include <memory>

namespace tributary::parquet {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

template <typename T>
Status ReadThrift(const uint8_t* data, uint32_t* len, T* out, const char* what) {
  try {
    const int32_t limit = static_cast<int32_t>(std::min<uint32_t>(*len, 0x7fffffff));
    auto config = std::make_shared<TConfiguration>(limit > 0 ? limit : 1, limit > 0 ? limit : 1, 64);
    auto buffer = std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), *len, TMemoryBuffer::OBSERVE, config);
    TCompactProtocolT<TMemoryBuffer> protocol(buffer, limit, limit);
    out->read(&protocol);
    *len = *len - buffer->available_read();
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
