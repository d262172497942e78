// sfnotify: the connector daemon and its command line.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "connector/app/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return sfn::connector::RunCli(argv[0], args);
}
