// The flag parser of one command (TOKENFAB_FUZZ_COMMAND): the input is the argument list, one
// word per line (as tests/golden/*.args without the command's name). Every declared flag is
// then read with the getter of its kind, as the command reads it.
#include <sstream>
#include <vector>

#include "tokenfab/scenario/args.h"
#include "tokenfab/api/api.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  using namespace tokenfab::api;
  if (size > 4096) return 0;
  std::vector<std::string> argv;
  std::stringstream in(fuzz::Text(data, size));
  for (std::string word; std::getline(in, word);) argv.push_back(word);
  const std::vector<FlagSpec>* spec = nullptr;
  for (const Command& c : Commands()) {
    if (std::string(c.name) == TOKENFAB_FUZZ_COMMAND) spec = &c.flags();
  }
  if (spec == nullptr) __builtin_trap();
  fuzz::ExpectInputErrorOnly([&] {
    const Args args = Args::Parse(argv, *spec);
    for (const FlagSpec& f : *spec) {
      if (!args.has(f.name)) continue;
      switch (f.range.kind) {
        case FlagRange::Kind::kInt:
          args.GetOptionalInt(f.name, /*allow_zero=*/f.range.min <= 0);
          break;
        case FlagRange::Kind::kNumber:
        case FlagRange::Kind::kQuantity:
          args.GetDouble(f.name, 0);
          break;
        case FlagRange::Kind::kCount:
          args.GetCount(f.name, 0);
          break;
        case FlagRange::Kind::kSize:
          args.GetSize(f.name, 0);
          break;
        case FlagRange::Kind::kText:
          args.GetString(f.name);
          break;
      }
    }
  });
  return 0;
}
