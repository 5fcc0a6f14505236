// The Scenario reader and writer, and replay through the api: what the writer writes reads back
// to the same settings; errors in a scenario file name file:line:column and the key.
#include <gtest/gtest.h>

#include <sstream>

#include "tokenfab/api/api.h"

namespace tokenfab::api {
namespace {

const std::vector<std::string> kTrain = {
    "train",    "--model", "llama-3.1-8b", "--system", "dgx-h100", "--gpus", "8",
    "--tp",     "2",       "--tp-overlap", "off",      "--tokens", "1T",     "--explain",
    "--format", "json"};

InputError ErrorOf(const std::string& text) {
  try {
    RunScenario(ScenarioFromJsonText(text, "s.yaml"), std::cout);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return InputError({}, "", "none");
}

TEST(ScenarioTest, WriterOutputReadsBackToTheSameSettings) {
  const Scenario s = ScenarioFromCommandLine(kTrain);
  const Scenario back = ScenarioFromJsonText(s.ToYaml(), "saved.yaml");
  EXPECT_EQ(back.command(), "train");
  EXPECT_EQ(back.settings().values(), s.settings().values());
  const Scenario from_json = ScenarioFromJsonText(s.ToJson().dump(), "saved.json");
  EXPECT_EQ(from_json.settings().values(), s.settings().values());
}

TEST(ScenarioTest, ControlCharactersInAValueSurviveTheRoundTrip) {
  // A carriage return in a plain YAML scalar reads back as a line break (YAML 1.2 sec. 5.4), so
  // the writer quotes such a value (a fuzz_scenario find: a trailing "\r" was lost).
  const Scenario s = ScenarioFromJsonText(
      "command: serve\nworkload: {model: \"llama-3.1-8b\\r\\r\"}\nargs: [\"a\\tb\\r\"]\n",
      "s.yaml");
  ASSERT_EQ(s.settings().GetString("--model"), "llama-3.1-8b\r\r");
  const Scenario back = ScenarioFromJsonText(s.ToYaml(), "saved.yaml");
  EXPECT_EQ(back.settings().values(), s.settings().values());
  EXPECT_EQ(back.settings().positional(), s.settings().positional());
}

TEST(ScenarioTest, SectionsGroupTheSettings) {
  const nlohmann::ordered_json j = ScenarioFromCommandLine(kTrain).ToJson();
  EXPECT_EQ(j["workload"]["model"], "llama-3.1-8b");
  EXPECT_EQ(j["cluster"]["gpus"], 8);
  EXPECT_EQ(j["parallelism"]["tp"], 2);
  EXPECT_EQ(j["software"]["tp_overlap"], "off");
  EXPECT_EQ(j["search"]["explain"], true);
}

TEST(ScenarioTest, ReplayGivesTheSameBytes) {
  std::ostringstream direct, replayed;
  const Scenario s = ScenarioFromCommandLine(kTrain);
  ASSERT_EQ(RunScenario(s, direct), 0);
  ASSERT_EQ(RunScenario(ScenarioFromJsonText(s.ToYaml(), "saved.yaml"), replayed), 0);
  EXPECT_EQ(direct.str(), replayed.str());
  EXPECT_NE(direct.str().find("\"scenario\""), std::string::npos);
}

TEST(ScenarioTest, FlatKeysAreAcceptedOutsideTheirSection) {
  const Scenario s = ScenarioFromJsonText(
      R"({"command": "train", "model": "llama-3.1-8b", "system": "dgx-h100", "gpus": 8})", "py");
  EXPECT_EQ(s.settings().GetInt("--gpus", 0), 8);
}

TEST(ScenarioTest, UnknownKeyNamesFileLineAndHint) {
  const InputError e = ErrorOf("command: train\ncluster:\n  gpu: 8\n");
  EXPECT_EQ(e.where().file, "s.yaml");
  EXPECT_EQ(e.where().line, 3);
  EXPECT_EQ(e.key(), "cluster.gpu");
  EXPECT_NE(e.hint().find("gpus"), std::string::npos);
}

TEST(ScenarioTest, UnknownCommandIsAnInputError) {
  const InputError e = ErrorOf("command: trian\n");
  EXPECT_EQ(e.where().line, 1);
  EXPECT_NE(e.hint().find("train"), std::string::npos);
}

TEST(ScenarioTest, LibraryErrorsPointAtTheScenarioKey) {
  // TP 3 does not divide the 8 GPUs: the library reports it against --gpus, which the scenario
  // wrote as cluster.gpus on line 3.
  const InputError e = ErrorOf(
      "command: train\nworkload: {model: llama-3.1-8b}\ncluster: {system: dgx-h100, gpus: 8}\n"
      "parallelism:\n  tp: 3\n  pp: 1\n  cp: 1\n  mbs: 1\n");
  EXPECT_EQ(e.where().file, "s.yaml");
  EXPECT_EQ(e.where().line, 3);
  EXPECT_EQ(e.key(), "cluster.gpus");
}

TEST(ScenarioTest, BadValueIsReportedAtItsLine) {
  const InputError e = ErrorOf(
      "command: train\nworkload: {model: llama-3.1-8b}\ncluster:\n  system: dgx-h100\n"
      "  gpus: lots\n");
  EXPECT_EQ(e.where().line, 5);
  EXPECT_EQ(e.key(), "cluster.gpus");
}

TEST(ScenarioTest, SwitchesTakeBooleans) {
  const InputError e = ErrorOf(
      "command: train\nmodel: llama-3.1-8b\nsystem: dgx-h100\ngpus: 8\nexplain: yes please\n");
  EXPECT_EQ(e.key(), "explain");
}

// Found by fuzz_scenario: a value that is not UTF-8 made the JSON writer throw (exit 1).
TEST(ScenarioTest, NonUtf8ValueIsAnInputError) {
  const InputError e = ErrorOf("command: serve\nworkload:\n  model: deepseek-\xff\xff\n");
  EXPECT_EQ(e.where().line, 3);
  EXPECT_EQ(e.key(), "workload.model");
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\x80"));  // overlong
  EXPECT_TRUE(IsValidUtf8("H100 \xc2\xb5s \xe2\x86\x92 \xf0\x9f\x9a\x80"));
}

}  // namespace
}  // namespace tokenfab::api
