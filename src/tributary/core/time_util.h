// RFC 3339 timestamps <-> microseconds since the Unix epoch (UTC).
//
// Input accepts "2024-01-01T00:00:00Z", offsets ("+02:00"), a space instead
// of 'T', fractional seconds of any length (truncated to microseconds), and a
// date alone ("2024-01-01"). Output is always UTC with 'Z', with a fraction
// only when it is non-zero (six digits, trailing zeros trimmed to ms or us).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tributary/core/status.h"

namespace tributary {

// Parses text into micros since epoch. Error names the offending text.
Status ParseTimestamp(std::string_view text, int64_t* micros);
void AppendTimestamp(int64_t micros, std::string* out);
std::string FormatTimestamp(int64_t micros);
int64_t NowMicros();

}  // namespace tributary
