#include "tributary/pipeline/job_json.h"

#include "tributary/core/json.h"

namespace tributary {

void AppendJobHead(std::string_view job_id, const CollectionRef& collection, std::string_view status,
                   std::string* out) {
  out->append("{\"job_id\":");
  AppendJsonString(job_id, out);
  out->append(",\"dataset_id\":");
  AppendJsonString(collection.name, out);
  out->append(",\"tenant\":");
  AppendJsonString(collection.tenant, out);
  out->append(",\"status\":");
  AppendJsonString(status, out);
}

}  // namespace tributary
