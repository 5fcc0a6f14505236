// The Scenario reader (scenario/scenario.h via api::ScenarioFromJsonText) over arbitrary YAML or
// JSON text: a scenario file read back must either be an InputError or write itself out again
// (ToYaml, ToJson) and read back, with no error, to the same settings. It is not answered: running
// a command is the flag fuzzers' and the extremes test's job.
#include <optional>

#include "fuzz_util.h"
#include "tokenfab/api/api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tokenfab;
  const std::string text = fuzz::Text(data, size);
  std::optional<Scenario> s;
  fuzz::ExpectInputErrorOnly([&] { s = api::ScenarioFromJsonText(text, "fuzz.yaml"); });
  if (!s) return 0;
  // What the writer wrote must read back, with no InputError: any exception here escapes.
  const Scenario back = api::ScenarioFromJsonText(s->ToYaml(), "fuzz-written.yaml");
  if (back.settings().values() != s->settings().values() ||
      back.settings().positional() != s->settings().positional() ||
      back.command() != s->command()) {
    __builtin_trap();  // the writer wrote what the reader reads back differently
  }
  static_cast<void>(s->ToJson().dump());
  return 0;
}
