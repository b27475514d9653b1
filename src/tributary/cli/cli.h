// The tributary command line: import-data, export, collections, status.
//
// Exit codes: 0 success; 1 the run finished but some rows failed; 2 usage
// error; 3 any other failure.
#pragma once

namespace tributary {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRowErrors = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 3;

int RunCli(int argc, char** argv);

}  // namespace tributary
