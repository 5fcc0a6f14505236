// tokenfab pipeline FILE.yaml: a compound or agentic serving pipeline (many models on one
// cluster), simulated, or its GPU split searched (--search, --gpus, --power-mw, --rate).
#include "tokenfab/pipeline/pipeline.h"

#include <fmt/format.h>

#include "session.h"
#include "tokenfab/api/api.h"
#include "tokenfab/factory/factory_data.h"
#include "tokenfab/report/pipeline_report.h"
#include "tokenfab/report/verify.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab::api {

namespace {
constexpr const char* kHint =
    "the allocation search simulates every instance it places; 100,000 GPUs (100 MW, 10,000 "
    "requests/s) bound its time (kMaxPipelineGpus in include/tokenfab/pipeline/pipeline.h)";
}  // namespace

const std::vector<FlagSpec>& PipelineFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"--qps", true, "arrival rate, requests/s (Poisson; default: the file's load.qps)",
       NumberRange(1e-6, 1e7)},
      {"--requests", true, "simulated requests (default: the file's load.requests)",
       IntRange(1, limits::kMaxRequests, kRequestsHint)},
      {"--seed", true, "random seed (default: the file's load.seed)", IntRange(0, 2147483647)},
      {"--search", false, "search the GPU split of the file's search section"},
      {"--gpus", true, "search: the best split of N GPUs", IntRange(1, kMaxPipelineGpus, kHint)},
      {"--power-mw", true, "search: the best split within a facility power budget, MW",
       QuantityRange(1e-6, 100, "MW", kHint)},
      {"--rate", true, "search: the smallest cluster that serves R requests/s within the SLO",
       NumberRange(1e-6, kMaxPipelineRate, kHint)},
      {"--format", true, "text|json"},
      {"--help", false, "show this help"},
  };
  return kFlags;
}

int RunPipeline(const Scenario& scenario, std::ostream& out) {
  const Args& a = scenario.settings();
  const std::string format = a.GetChoice("--format", {"text", "json"}, "text");
  if (a.positional().size() != 1) {
    throw InputError(
        {kCommandLine, 0, 0}, "pipeline",
        a.positional().empty() ? "expected the pipeline file" : "expected one pipeline file",
        "usage: tokenfab pipeline examples/pipelines/rag.yaml");
  }
  PipelineSpec spec = LoadPipeline(a.positional()[0]);
  if (a.has("--qps")) spec.load.qps = a.GetDouble("--qps", 1);
  if (a.has("--requests")) spec.load.requests = a.GetInt("--requests", 1000);
  if (a.has("--seed")) spec.load.seed = static_cast<uint64_t>(a.GetInt("--seed", 1, true));
  int modes = 0;
  if (a.has("--gpus")) {
    spec.search.mode = SearchSpec::Mode::kGpus, ++modes;
    spec.search.gpus = a.GetInt("--gpus", 1);
  }
  if (a.has("--power-mw")) {
    spec.search.mode = SearchSpec::Mode::kPower, ++modes;
    spec.search.power = Watt(a.GetDouble("--power-mw", 1) * 1e6);
  }
  if (a.has("--rate")) {
    spec.search.mode = SearchSpec::Mode::kRate, ++modes;
    spec.search.rate = a.GetDouble("--rate", 1);
  }
  if (modes > 1) {
    throw InputError({kCommandLine, 0, 0}, "--gpus", "give one of --gpus, --power-mw or --rate");
  }
  const bool search = a.has("--search") || modes > 0;
  if (search && spec.search.mode == SearchSpec::Mode::kNone) {
    throw InputError({kCommandLine, 0, 0}, "--search", "the pipeline file has no search section",
                     "add search: {gpus: N} to the file, or give --gpus N, --power-mw P or "
                     "--rate R");
  }
  const Catalog& catalog = CatalogOf(scenario);
  const FactoryData data = LoadFactoryData(catalog.data_dir(), catalog);
  const ResolvedPipeline p = ResolvePipeline(spec, catalog, data);
  if (search) {
    const AllocationResult r = SearchAllocation(p, catalog, data);
    Verify(r.simulated);
    if (format == "json") {
      out << AllocationToJson(r).dump(2) << "\n";
    } else {
      out << RenderAllocationText(r);
    }
    return 0;
  }
  const PipelineResult r = SimulatePipeline(p, spec.load);
  Verify(r);
  if (format == "json") {
    out << PipelineResultToJson(p, r).dump(2) << "\n";
  } else {
    out << RenderPipelineText(p, r);
  }
  return 0;
}

}  // namespace tokenfab::api
