#include "tributary/formats/options.h"

namespace tributary {

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kJsonl: return "jsonl";
    case Format::kJson: return "json";
    case Format::kCsv: return "csv";
    case Format::kTsv: return "tsv";
    case Format::kParquet: return "parquet";
  }
  return "unknown";
}

Result<Format> ParseFormatName(std::string_view name) {
  if (name == "jsonl" || name == "ndjson") return Format::kJsonl;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  if (name == "tsv") return Format::kTsv;
  if (name == "parquet") return Format::kParquet;
  return Status::InvalidArgument("unknown format '" + std::string(name.substr(0, 40)) +
                                 "' (expected one of: csv, json, jsonl, tsv, parquet)");
}

std::string_view FormatContentType(Format f) {
  switch (f) {
    case Format::kJsonl: return "application/x-ndjson";
    case Format::kJson: return "application/json";
    case Format::kCsv: return "text/csv; charset=utf-8";
    case Format::kTsv: return "text/tab-separated-values; charset=utf-8";
    case Format::kParquet: return "application/vnd.apache.parquet";
  }
  return "application/octet-stream";
}

std::string_view FormatExtension(Format f) { return FormatName(f); }

Result<UnknownFieldPolicy> ParseUnknownFieldPolicy(std::string_view name) {
  if (name == "metadata") return UnknownFieldPolicy::kMetadata;
  if (name == "ignore") return UnknownFieldPolicy::kIgnore;
  if (name == "reject") return UnknownFieldPolicy::kReject;
  return Status::InvalidArgument("unknown policy for unknown fields '" + std::string(name) +
                                 "' (expected metadata, ignore or reject)");
}

Result<IdGeneration> ParseIdGeneration(std::string_view name) {
  if (name == "none") return IdGeneration::kNone;
  if (name == "row" || name == "row-number") return IdGeneration::kRowNumber;
  if (name == "hash" || name == "content-hash") return IdGeneration::kContentHash;
  return Status::InvalidArgument("unknown id generation '" + std::string(name) +
                                 "' (expected none, row or content-hash)");
}

Status FieldMapping::Add(std::string_view spec) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("bad field mapping '" + std::string(spec) +
                                   "' (expected field=source, e.g. values=embedding)");
  }
  std::string_view target = spec.substr(0, eq);
  std::string_view source = spec.substr(eq + 1);
  auto f = FieldFromName(target);
  if (!f) {
    return Status::InvalidArgument("bad field mapping '" + std::string(spec) + "': '" +
                                   std::string(target) + "' is not a record field");
  }
  for (auto& e : entries) {
    if (e.first == *f) {
      e.second = std::string(source);
      return Status::OK();
    }
  }
  entries.emplace_back(*f, std::string(source));
  return Status::OK();
}

Status ReadOptions::Validate() const {
  if (batch_rows == 0) return Status::InvalidArgument("batch size must be at least 1");
  if (max_batch_bytes == 0) return Status::InvalidArgument("batch byte limit must be at least 1");
  if (max_record_bytes < 1024) return Status::InvalidArgument("max record size must be at least 1 KiB");
  if (decode_threads < 0) return Status::InvalidArgument("decode threads must not be negative");
  return Status::OK();
}

Status WriteOptions::Validate() const {
  if (encode_threads < 0) return Status::InvalidArgument("encode threads must not be negative");
  if (parquet_compression != "zstd" && parquet_compression != "snappy" && parquet_compression != "gzip" &&
      parquet_compression != "none" && parquet_compression != "uncompressed") {
    return Status::InvalidArgument("unknown Parquet compression '" + parquet_compression +
                                   "' (expected zstd, snappy, gzip or none)");
  }
  if (parquet_row_group_bytes < (1u << 20)) return Status::InvalidArgument("Parquet row groups must allow at least 1 MiB");
  return Status::OK();
}

}  // namespace tributary
