#include "tributary/store/store.h"

#include <string>

namespace tributary {

std::string_view WriteModeName(WriteMode m) {
  switch (m) {
    case WriteMode::kInsert: return "insert";
    case WriteMode::kSkipExisting: return "skip_existing";
    case WriteMode::kUpsert: return "upsert";
  }
  return "unknown";
}

Status Store::RenameCollection(const CollectionRef& from, const CollectionRef&, bool) {
  return Status::Unsupported("this store cannot rename collection '" + from.name + "'");
}

Result<WriteMode> ParseWriteMode(std::string_view name) {
  if (name == "insert") return WriteMode::kInsert;
  if (name == "skip_existing" || name == "skip-existing") return WriteMode::kSkipExisting;
  if (name == "upsert") return WriteMode::kUpsert;
  return Status::InvalidArgument("unknown write mode '" + std::string(name) +
                                 "' (expected insert, skip_existing or upsert)");
}

}  // namespace tributary
