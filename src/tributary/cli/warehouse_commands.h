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

}  // namespace tributary
