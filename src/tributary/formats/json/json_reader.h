// The JSON and JSONL RecordReaders (declared for general use in
// formats/format.h as internal::OpenJsonReader / OpenJsonlReader).
//
// This header adds what tests, benchmarks and the fuzzer need: the read block
// size, so small blocks can split records at every byte.
//
// Records are framed and decoded on the calling thread (several hundred MB/s
// for embedding-heavy JSONL); ReadOptions::decode_threads is not used. In an
// import, validation and storage run on other threads, so on small machines
// one decoding thread leaves them the remaining cores.
//
// ReadNext hands out the batch it decoded into by swapping it with the
// caller's, whose storage is then reused for the next call: steady-state
// reading allocates nothing per row.
//
// Thread-safety: a reader is driven by one thread.
#pragma once

#include <memory>

#include "tributary/core/status.h"
#include "tributary/formats/format.h"
#include "tributary/formats/json/json_framing.h"

namespace tributary::json_internal {

struct ReaderTuning {
  // Bytes requested from the InputStream per read.
  size_t block_bytes = kDefaultBlockBytes;
};

Result<std::unique_ptr<RecordReader>> OpenReader(Framing framing, std::unique_ptr<InputStream> in,
                                                 const ReadOptions& options,
                                                 const ReaderTuning& tuning = {});

}  // namespace tributary::json_internal
