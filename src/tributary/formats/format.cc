#include "tributary/formats/format.h"

namespace tributary {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<RecordReader>> OpenRecordReader(Format format,
                                                       std::unique_ptr<InputStream> in,
                                                       const ReadOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  switch (format) {
    case Format::kJsonl: return internal::OpenJsonlReader(std::move(in), options);
    case Format::kJson: return internal::OpenJsonReader(std::move(in), options);
    case Format::kCsv: return internal::OpenCsvReader(std::move(in), options, ',');
    case Format::kTsv: return internal::OpenCsvReader(std::move(in), options, '\t');
    case Format::kParquet: return internal::OpenParquetReader(std::move(in), options);
  }
  return Status::Unsupported("format not readable");
}

Result<std::unique_ptr<RecordWriter>> OpenRecordWriter(Format format, OutputStream* out,
                                                       const WriteOptions& options) {
  TRIB_RETURN_NOT_OK(options.Validate());
  switch (format) {
    case Format::kJsonl: return internal::OpenJsonlWriter(out, options);
    case Format::kJson: return internal::OpenJsonWriter(out, options);
    case Format::kCsv: return internal::OpenCsvWriter(out, options, ',');
    case Format::kTsv: return internal::OpenCsvWriter(out, options, '\t');
    case Format::kParquet: return internal::OpenParquetWriter(out, options);
  }
  return Status::Unsupported("format not writable");
}

std::optional<Format> FormatFromPath(std::string_view path) {
  std::string_view p = StripCompressionExtension(path);
  if (EndsWith(p, ".jsonl") || EndsWith(p, ".ndjson")) return Format::kJsonl;
  if (EndsWith(p, ".json")) return Format::kJson;
  if (EndsWith(p, ".csv")) return Format::kCsv;
  if (EndsWith(p, ".tsv") || EndsWith(p, ".tab")) return Format::kTsv;
  if (EndsWith(p, ".parquet") || EndsWith(p, ".parq") || EndsWith(p, ".pq")) return Format::kParquet;
  return std::nullopt;
}

std::optional<Format> FormatFromContent(std::string_view head) {
  // "PARE" starts Parquet files with an encrypted footer (refused by the reader, by name).
  if (head.size() >= 4 && (head.substr(0, 4) == "PAR1" || head.substr(0, 4) == "PARE")) return Format::kParquet;
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  size_t i = 0;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  if (i == head.size()) return std::nullopt;
  if (head[i] == '[') return Format::kJson;
  if (head[i] == '{') {
    // JSON Lines has a complete object on the first line; a pretty-printed
    // single object spans lines. Decide by whether the first line closes the
    // object that opens it (depth back to zero outside strings).
    int depth = 0;
    bool in_str = false, esc = false;
    for (size_t k = i; k < head.size(); ++k) {
      char c = head[k];
      if (in_str) {
        if (esc) esc = false;
        else if (c == '\\') esc = true;
        else if (c == '"') in_str = false;
        continue;
      }
      if (c == '"') in_str = true;
      else if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0) return Format::kJsonl;
      } else if (c == '\n') {
        return Format::kJson;
      }
    }
    return Format::kJsonl;
  }
  size_t eol = head.find('\n', i);
  std::string_view first = head.substr(i, eol == std::string_view::npos ? head.size() - i : eol - i);
  bool tabs = first.find('\t') != std::string_view::npos;
  bool commas = first.find(',') != std::string_view::npos;
  if (tabs && !commas) return Format::kTsv;
  if (commas || first.find('"') != std::string_view::npos) return Format::kCsv;
  return std::nullopt;
}

}  // namespace tributary
