// tokenfab: the command line. It only translates: argv -> Scenario -> library -> renderer, all
// behind api::RunCommandLine (include/tokenfab/api/api.h).
#include <iostream>
#include <string>
#include <vector>

#include "tokenfab/api/api.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tokenfab::api::RunCommandLine(args, std::cout, std::cerr);
}
