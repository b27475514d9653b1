// The opening members every job object shares, in the seed's order:
// {"job_id":...,"dataset_id":...,"tenant":...,"status":...
// The caller appends its own members and the closing brace.
#pragma once

#include <string>
#include <string_view>

#include "tributary/store/store.h"

namespace tributary {

void AppendJobHead(std::string_view job_id, const CollectionRef& collection, std::string_view status,
                   std::string* out);

}  // namespace tributary
