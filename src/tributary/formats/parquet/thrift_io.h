// Compact-protocol (de)serialisation of the Parquet metadata structs that
// the thrift compiler generates from parquet.thrift at build time.
//
// Reading is bounded by the input: strings and containers may not claim more
// bytes than remain, so a hostile footer cannot make the reader allocate
// more than a small multiple of its own size. Thrift's exceptions stay inside
// these functions; callers get a Status.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "parquet_thrift/parquet_types.h"
#include "tributary/core/status.h"

namespace tributary::parquet {

namespace fmt = ::tributary::parquet::format;

// Decodes one T from data[0, *len). On success *len is set to the number of
// bytes the struct used. what names the struct in messages ("page header").
template <typename T>
Status ReadThrift(const uint8_t* data, uint32_t* len, T* out, const char* what);

// Appends the compact encoding of v to *out.
template <typename T>
Status WriteThrift(const T& v, std::string* out);

}  // namespace tributary::parquet
