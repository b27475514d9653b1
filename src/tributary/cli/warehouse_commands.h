// The warehouse commands of the command line: backup, restore, verify and
// migrate. RunCli registers them on its App and runs the one that was parsed.
//
// Thread-safety: used from the main thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tributary/core/status.h"
#include "tributary/formats/options.h"
#include "tributary/io/stream.h"
#include "tributary/store/store.h"

namespace CLI {
class App;
}

namespace tributary {

using StoreOpener = std::function<Result<std::unique_ptr<Store>>()>;

class WarehouseCommands {
 public:
  // tenant must outlive this object (it is filled in by parsing).
  WarehouseCommands(CLI::App* app, StoreOpener open_store, const std::string* tenant);
  ~WarehouseCommands();

  // The exit code of the warehouse command that was parsed, or nullopt if
  // none was.
  std::optional<int> Run();

 private:
  struct Args;
  std::unique_ptr<Args> args_;
  StoreOpener open_store_;
  const std::string* tenant_;
};

// The schema text a new collection stores, from --schema FILE (a JSON
// Schema subset for metadata) and --kind (raw, cleaned, chunk,
// embedded_chunk); empty when neither is given. Checked by parsing.
Result<std::string> CollectionSchemaText(const std::string& schema_file, const std::string& kind);

// export --batch-size N --output-dir D for one collection: prints the
// summary (or appends a JSON object to *json_out) and returns the exit code.
// write and compression as for a single-file export.
int RunSplitExportCommand(Store* store, const CollectionRef& collection, const std::string& output_dir,
                          Format format, int64_t records_per_file, const std::string& filter, int64_t limit,
                          const WriteOptions& write, Compression compression, bool json, bool quiet,
                          std::string* json_out);

}  // namespace tributary
