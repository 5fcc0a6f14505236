// The software-progression suite (issue 12): the same workload on the same chip across software
// releases, tests/validation/published/software-progression.json. A chain lists its steps, each a
// case of another suite (inference, training, training-mbridge) or a record of this file in the
// inference suite's format; every step runs under the release its record declares. For each pair
// of consecutive steps, and for the first against the last of a longer chain, the case is the
// gain: predicted later/earlier against published later/earlier, within 10% (the target),
// never widened per case. Gains are ratios of two predictions, so they carry no trust regime and
// stay out of the error bands (the absolute cases are in their own suites).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "inference_records.h"
#include "suite_io.h"
#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {
namespace {

using nlohmann::json;

constexpr double kGainTolerance = 0.10;
constexpr const char* kFile = "software-progression.json";
constexpr const char* kOwnSuite = "software-progression";

// One predicted-vs-published value, addressed "suite:id/metric", with the release it ran under.
struct StepValue {
  double predicted = 0;
  double published = 0;
  std::string release;
};

// The declared release of every record of the files the steps may name, by record id.
std::map<std::string, std::string> ReleasesById(const std::string& dir, const json& own) {
  std::map<std::string, std::string> out;
  auto add = [&out](const json& records) {
    for (const json& r : records) {
      if (r.contains("id") && r.contains("software")) {
        out[r.at("id").get<std::string>()] = r.at("software").get<std::string>();
      }
    }
  };
  for (const char* f :
       {"inference-public.json", "training-public.json", "megatron-bridge-25.11.json"}) {
    add(ReadValidationJson(dir + "/" + f).at("records"));
  }
  add(own.at("records"));
  return out;
}

void AddCases(const std::string& suite, const std::vector<ValidationCase>& cases,
              std::map<std::string, StepValue>* values) {
  for (const ValidationCase& c : cases) {
    (*values)[suite + ":" + c.key()] = {c.predicted, c.published, ""};
  }
}

// The inference records the steps name (only those are replayed: the whole inference suite
// simulates minutes of MLPerf Server traffic per record).
void AddInferenceSteps(const Catalog& cat, const std::string& dir, const std::set<std::string>& ids,
                       std::map<std::string, StepValue>* values) {
  std::vector<ValidationCase> cases;
  const json doc = ReadValidationJson(dir + "/inference-public.json");
  for (const json& r : doc.at("records")) {
    if (ids.count(r.at("id").get<std::string>())) AddInferenceRecord(cat, r, &cases);
  }
  AddCases("inference", cases, values);
}

// Every step's value: the suites named by the steps are run once each.
std::map<std::string, StepValue> StepValues(const Catalog& cat, const std::string& dir,
                                            const json& doc) {
  std::set<std::string> suites, inference_ids;
  for (const json& chain : doc.at("chains")) {
    for (const json& s : chain.at("steps")) {
      const std::string suite = s.at("suite");
      const std::string key = s.at("case");
      suites.insert(suite);
      if (suite == "inference") inference_ids.insert(key.substr(0, key.rfind('/')));
    }
  }
  std::map<std::string, StepValue> values;
  std::vector<ValidationCase> own;
  for (const json& r : doc.at("records")) AddInferenceRecord(cat, r, &own);
  AddCases(kOwnSuite, own, &values);
  AddInferenceSteps(cat, dir, inference_ids, &values);
  for (const SuiteInfo& s : Suites()) {
    if (suites.count(s.name) && std::string(s.name) != "inference" && s.name != kOwnSuite) {
      AddCases(s.name, s.run(cat, dir).cases, &values);
    }
  }
  return values;
}

const StepValue& Lookup(const std::map<std::string, StepValue>& values, const std::string& dir,
                        const std::string& chain, const json& step) {
  const std::string key =
      step.at("suite").get<std::string>() + ":" + step.at("case").get<std::string>();
  auto it = values.find(key);
  if (it == values.end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : values) known.push_back(k);
    throw InputError({dir + "/" + kFile, 0, 0}, "chains." + chain + ".steps",
                     fmt::format("step '{}' names no case of a suite or record of this file", key),
                     DidYouMean(key, known));
  }
  return it->second;
}

ValidationCase Gain(const json& chain, const StepValue& a, const StepValue& b) {
  const std::string id = chain.at("id");
  const std::string split = chain.at("split");
  ValidationCase c(fmt::format("{} {}->{}", id, a.release, b.release), "gain", "x",
                   b.predicted / a.predicted, b.published / a.published, kGainTolerance,
                   fmt::format("{}; predicted {:.4g} -> {:.4g}, published {:.4g} -> {:.4g}",
                               split == "calibration" ? "calibration" : "held out", a.predicted,
                               b.predicted, a.published, b.published));
  c.source = chain.at("source");
  return c;  // no regime: a ratio of two predictions is not a band residual
}

}  // namespace

SuiteResult RunSoftwareProgressionSuite(const Catalog& catalog, const std::string& data_dir) {
  const json doc = ReadValidationJson(data_dir + "/" + kFile);
  const std::map<std::string, std::string> releases = ReleasesById(data_dir, doc);
  const std::map<std::string, StepValue> values = StepValues(catalog, data_dir, doc);
  SuiteResult out;
  out.name = kOwnSuite;
  out.title = "Same-chip software progressions: predicted vs published gain across releases";
  out.median_tolerance = kGainTolerance;
  for (const json& chain : doc.at("chains")) {
    const std::string id = chain.at("id");
    std::vector<StepValue> steps;
    for (const json& s : chain.at("steps")) {
      StepValue v = Lookup(values, data_dir, id, s);
      const std::string key = s.at("case");
      auto rel = releases.find(key.substr(0, key.rfind('/')));
      v.release = rel == releases.end() ? "?" : rel->second;
      steps.push_back(v);
    }
    if (steps.size() < 2) {
      throw InputError({data_dir + "/" + kFile, 0, 0}, "chains." + id + ".steps",
                       "a chain needs at least two steps");
    }
    for (size_t i = 1; i < steps.size(); ++i) {
      out.cases.push_back(Gain(chain, steps[i - 1], steps[i]));
    }
    if (steps.size() > 2) out.cases.push_back(Gain(chain, steps.front(), steps.back()));
  }
  MarkKnownMisses(data_dir, &out);
  return out;
}

}  // namespace tokenfab
