// Reader of data/software/<stack>.yaml (format in docs/software.md):
//   stack: tensorrt-llm
//   kind: serving
//   releases:
//     trtllm-mlperf-v5.0:
//       date: { value: 2025-04, source: mlperf_inference_v50 }
//       features: { cuda_graphs: true, fp8_attention: true, ... }
//       effects:
//         kernel_tuning:
//           gemm_efficiency: { value: x 1.10, assumption: "..." }
// A feature left out of `features` is off. Effects are keyed by feature, then by efficiency key;
// "x F" multiplies the key (every point of a table), a plain number replaces it.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "readers.h"
#include "tokenfab/base/suggest.h"

namespace tokenfab {
namespace {

bool ValidDate(const std::string& d) {
  if (d.size() != 7 || d[4] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6}) {
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  }
  const int month = std::stoi(d.substr(5, 2));
  return month >= 1 && month <= 12;
}

void CheckFeature(const YamlObject& obj, const std::string& feature) {
  const std::vector<std::string>& names = SoftwareFeatureNames();
  if (std::find(names.begin(), names.end(), feature) == names.end()) {
    const std::string hint = DidYouMean(feature, names);
    throw obj.ErrorAt(feature, fmt::format("unknown software feature '{}'", feature),
                      hint.empty() ? "docs/software.md lists the features" : hint);
  }
}

SoftwareEffect ReadEffect(YamlObject& keys, const std::string& feature, const std::string& key) {
  const std::string text = *keys.FindText(key);
  SoftwareEffect e{feature, key, false, 0.0};
  std::string number = text;
  if (!text.empty() && (text[0] == 'x' || text[0] == '*')) {
    e.scale = true;
    number = text.substr(1);
  }
  try {
    size_t used = 0;
    e.value = std::stod(number, &used);
    while (used < number.size() && std::isspace(static_cast<unsigned char>(number[used]))) ++used;
    if (used != number.size()) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    throw keys.ErrorAt(key, fmt::format("expected 'x FACTOR' or a number, got '{}'", text),
                       "e.g. { value: x 1.10, source: ... }");
  }
  if (!(e.value > 0) || e.value > 1e6) {
    throw keys.ErrorAt(key, fmt::format("expected a positive value, got '{}'", text));
  }
  return e;
}

}  // namespace

void ReadSoftware(YamlObject& obj, const std::string& stack,
                  std::map<std::string, SoftwareRelease, std::less<>>* releases,
                  std::vector<SoftwareHistoryPoint>* history) {
  obj.CheckKeys({"stack", "kind", "default", "releases", "history", "notes"});
  const bool default_stack = obj.FindBool("default").value_or(false);
  if (obj.String("stack") != stack) {
    throw obj.ErrorAt("stack", "differs from the file name",
                      "a stack file is named after its stack: data/software/<stack>.yaml");
  }
  const SoftwareKind kind = obj.Choice("kind", {"training", "serving"}) == "training"
                                ? SoftwareKind::kTraining
                                : SoftwareKind::kServing;
  obj.FindString("notes");
  if (!obj.has("releases") || !obj.node()["releases"].IsMap()) {
    throw obj.ErrorAt("releases", "expected a mapping of release names to releases");
  }
  YamlObject all = obj.Child("releases");
  for (const std::string& name : all.keys()) {
    if (releases->count(name) > 0) {
      throw all.ErrorAt(name, fmt::format("release '{}' is defined twice", name),
                        "release names are unique across data/software/");
    }
    YamlObject r = all.Child(name);
    r.CheckKeys({"date", "families", "features", "effects", "notes"});
    SoftwareRelease rel;
    rel.name = name;
    rel.stack = stack;
    rel.kind = kind;
    rel.file = obj.file();
    rel.default_stack = default_stack;
    if (const std::optional<std::string> fams = r.FindString("families")) {
      std::stringstream in(*fams);
      for (std::string f; std::getline(in, f, ',');) {
        f.erase(0, f.find_first_not_of(' '));
        f.erase(f.find_last_not_of(' ') + 1);
        if (std::find(kFamilies.begin(), kFamilies.end(), f) == kFamilies.end()) {
          throw r.ErrorAt("families", fmt::format("unknown chip family '{}'", f),
                          "a comma-separated list of ampere, hopper, blackwell, rubin");
        }
        rel.families.push_back(ParseFamily(f));
      }
    }
    rel.date = r.String("date");
    if (!ValidDate(rel.date)) {
      throw r.ErrorAt("date", fmt::format("expected YYYY-MM, got '{}'", rel.date));
    }
    r.FindString("notes");
    for (const std::string& f : SoftwareFeatureNames()) rel.features[f] = false;
    if (r.has("features") && r.node()["features"].IsMap()) {
      YamlObject features = r.Child("features");
      for (const std::string& f : features.keys()) {
        CheckFeature(features, f);
        rel.features[f] = *features.FindBool(f);
      }
    }
    if (r.has("effects") && r.node()["effects"].IsMap()) {
      YamlObject effects = r.Child("effects");
      for (const std::string& f : effects.keys()) {
        CheckFeature(effects, f);
        YamlObject keys = effects.Child(f);
        for (const std::string& key : keys.keys()) rel.effects.push_back(ReadEffect(keys, f, key));
      }
    }
    (*releases)[name] = std::move(rel);
  }
  if (!obj.has("history") || !obj.node()["history"].IsMap()) return;
  YamlObject points = obj.Child("history");
  for (const std::string& name : points.keys()) {
    YamlObject p = points.Child(name);
    p.CheckKeys({"series", "family", "date", "throughput", "release", "notes"});
    SoftwareHistoryPoint h;
    h.series = p.String("series");
    h.family = ParseFamily(p.Choice("family", kFamilies));
    const std::string date = p.String("date");
    if (!ValidDate(date)) throw p.ErrorAt("date", fmt::format("expected YYYY-MM, got '{}'", date));
    SoftwareRelease dated;
    dated.date = date;
    h.year = dated.year();
    h.value = p.Number("throughput", 1e-9, 1e15);
    p.FindString("release");
    p.FindString("notes");
    history->push_back(h);
  }
}

}  // namespace tokenfab
