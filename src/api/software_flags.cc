#include "software_flags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/perf/software.h"
#include "tokenfab/train/software.h"

namespace tokenfab::api {

SoftwareRelease ResolveSoftware(const Catalog& catalog, const std::string& name, SoftwareKind kind,
                                const std::string& flag) {
  if (name.empty()) {
    const SoftwareRelease* newest = catalog.newest_software(kind);
    if (newest != nullptr) return *newest;
    SoftwareRelease none;
    none.name = "reference";
    none.kind = kind;
    for (const std::string& f : SoftwareFeatureNames()) none.features[f] = IsConfigFeature(f);
    none.features["bf16_grad_reduce"] = true;
    return none;
  }
  std::vector<std::string> names;
  for (const auto& [n, r] : catalog.software_releases()) {
    if (r.kind == kind) names.push_back(n);
  }
  const auto& all = catalog.software_releases();
  const auto it = all.find(name);
  if (it != all.end() && it->second.kind != kind) {
    throw InputError({kCommandLine, 0, 0}, flag,
                     fmt::format("'{}' is a {} release; this command takes a {} one", name,
                                 SoftwareKindName(it->second.kind), SoftwareKindName(kind)),
                     fmt::format("one of: {}", fmt::join(names, ", ")));
  }
  if (it == all.end()) {
    const std::string hint = SuggestCatalogName(name, names);
    throw InputError({kCommandLine, 0, 0}, flag, fmt::format("unknown software release '{}'", name),
                     (hint.empty() ? "" : hint + " ") + "(see `tokenfab catalog list software`)");
  }
  return it->second;
}

SoftwareRelease SoftwareFromFlags(const Args& a, const Catalog& catalog, SoftwareKind kind) {
  return ResolveSoftware(catalog, a.GetString("--software"), kind);
}

namespace {

bool OnOff(const Args& a, const std::string& flag, bool current) {
  return a.GetChoice(flag, {"on", "off"}, current ? "on" : "off") == "on";
}

}  // namespace

void ApplyTrainingSoftware(const Args& a, const SoftwareRelease& release, TrainingConfig& c) {
  ApplySoftwareFeatures(release, c);
  c.sequence_parallel = OnOff(a, "--sequence-parallel", c.sequence_parallel);
  c.flash_attention = OnOff(a, "--flash-attention", c.flash_attention);
  c.tp_comm_overlap = OnOff(a, "--tp-overlap", c.tp_comm_overlap);
  c.dp_overlap = OnOff(a, "--dp-overlap", c.dp_overlap);
  c.grad_bucketing = OnOff(a, "--grad-bucketing", c.grad_bucketing);
  c.fp32_grads =
      a.GetChoice("--grad-reduce", {"bf16", "fp32"}, c.fp32_grads ? "fp32" : "bf16") == "fp32";
  c.zero = a.GetInt("--zero", c.zero, /*allow_zero=*/true);
  c.offload = OffloadFromFlags(a, release);
}

OffloadConfig OffloadFromFlags(const Args& a, const SoftwareRelease& release) {
  OffloadConfig o;
  const std::string text = a.GetString("--offload");
  if (!text.empty()) {
    std::string bad;
    const std::optional<OffloadConfig> parsed = ParseOffload(text, &bad);
    if (!parsed) {
      const std::string near = SuggestNearest(bad, {"none", "optimizer", "params", "activations"});
      throw InputError({kCommandLine, 0, 0}, "--offload",
                       fmt::format("unknown offloaded state '{}'", bad),
                       (near.empty() ? "" : fmt::format("did you mean '{}'? ", near)) +
                           "states: none, or optimizer, params, activations joined by '+'");
    }
    o = *parsed;
  }
  if (o.any()) o.step = DefaultOffloadStep(release);
  if (a.has("--offload-step")) {
    if (!o.any()) {
      throw InputError({kCommandLine, 0, 0}, "--offload-step",
                       "a CPU step schedule needs offloaded optimizer state",
                       "add --offload optimizer");
    }
    o.step = *ParseOffloadStep(
        a.GetChoice("--offload-step", {"sync", "delayed", "speculative"}, "sync"));
  }
  std::string missing;
  if (o.any() && !SupportsOffload(release, o, &missing)) {
    throw InputError({kCommandLine, 0, 0}, a.has("--offload-step") ? "--offload-step" : "--offload",
                     fmt::format("software release {} has no {}", release.name, missing),
                     "pick a stack that has it (`tokenfab catalog list software`), e.g. --software "
                     "deepspeed-superoffload");
  }
  return o;
}

std::string SoftwareLine(const SoftwareRelease& r) {
  std::vector<std::string> on;
  for (const std::string& f : SoftwareFeatureNames()) {
    if (r.has(f)) on.push_back(f);
  }
  return fmt::format("{} ({}, {}; {} effects): {}", r.name, r.stack.empty() ? "-" : r.stack,
                     r.date.empty() ? "-" : r.date, r.effects.size(), fmt::join(on, ", "));
}

}  // namespace tokenfab::api
