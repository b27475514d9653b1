#include "tributary/cli/cli.h"

int main(int argc, char** argv) { return tributary::RunCli(argc, argv); }
