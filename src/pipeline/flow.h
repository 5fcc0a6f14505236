// Internal to the pipeline module: how one request walks the graph (routing, fan-out, loops,
// tools, the growing context), shared by the simulation and by the timeless walk that gives the
// visit ratios and call samples of the allocation search.
#ifndef TOKENFAB_PIPELINE_FLOW_H_
#define TOKENFAB_PIPELINE_FLOW_H_

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "tokenfab/pipeline/pipeline.h"

namespace tokenfab {

// The pipeline's sampling stream, apart from the arrivals (PoissonRequests(seed)), so that a
// one-stage pipeline sees the arrivals of `serve --simulate --seed`.
inline uint64_t FlowSeed(uint64_t seed) {
  return seed * 0x9E3779B97F4A7C15ULL + 0x5851F42D4C957F2DULL;
}

struct FlowState {
  int cls = 0;
  SimTime arrival = 0;
  SimTime finish = -1;
  double context = 0;
  int pending = 0;
  int fanout = 1;
  int calls = 0;
  std::vector<int> loop_left;  // per loop edge: passes still to take; -1 = not in the loop
  // The session: the prefix-cached stage whose KV of the request's context (`kept` tokens, as
  // after its last call there) is kept for its next call; -1 = none.
  int kept_stage = -1;
  double kept = 0;
};

struct CallSample {
  int input = 1;  // prompt tokens, cached prefix included
  int cached = 0;
  int output = 0;
  int input_new = 1;
};

struct Step {
  int stage = -1;  // -1: the request is done
  int fanout = 1;
  SimTime delay = 0;
};

struct CallBounds {
  int longest = 1;
  int largest_prompt = 1;
};

class FlowGraph {
 public:
  explicit FlowGraph(const PipelineSpec& spec) : spec_(spec) {
    const int n = static_cast<int>(spec.stages.size());
    out_.resize(n);
    loop_of_.assign(n, -1);
    for (int e = 0; e < static_cast<int>(spec.edges.size()); ++e) {
      if (spec.edges[e].loop) {
        loop_of_[spec.edges[e].from] = loops_;
        loop_edge_.push_back(e);
        ++loops_;
      } else {
        out_[spec.edges[e].from].push_back(e);
      }
    }
    for (const ClassSpec& c : spec.classes)
      cumulative_.push_back(c.share + (cumulative_.empty() ? 0 : cumulative_.back()));
  }

  int loops() const { return loops_; }

  int PickClass(std::mt19937_64& rng) const {
    if (cumulative_.size() == 1) return 0;
    const double u = std::uniform_real_distribution<double>(0, cumulative_.back())(rng);
    for (size_t c = 0; c < cumulative_.size(); ++c) {
      if (u < cumulative_[c]) return static_cast<int>(c);
    }
    return static_cast<int>(cumulative_.size()) - 1;
  }

  double InitialContext(const FlowState& f, std::mt19937_64& rng) const {
    const Distribution& d = spec_.classes[f.cls].context;
    if (d.kind == Distribution::Kind::kFixed) return d.a;
    return std::round(d.Sample(rng));
  }

  CallSample SampleCall(FlowState& f, int stage, std::mt19937_64& rng) const {
    const StageSpec& s = spec_.stages[stage];
    CallSample c;
    c.input_new = std::max(1, static_cast<int>(std::lround(Draw(s.isl, rng))));
    c.output = std::max(0, static_cast<int>(std::lround(Draw(s.osl, rng))));
    if (s.context) {
      const int ctx = static_cast<int>(f.context);
      c.input = ctx + c.input_new;
      // The KV kept from this stage's last call is cached; the rest (the first call's whole
      // context, the tool output since) is prefilled.
      c.cached = s.prefix_cache && f.kept_stage == stage ? static_cast<int>(f.kept) : 0;
    } else {
      c.input = c.input_new;
    }
    ++f.calls;
    return c;
  }

  // After a call of `stage` finished: its new tokens and output join the request's context.
  void Grow(FlowState& f, int stage, int tokens) const {
    if (!spec_.stages[stage].context) return;
    f.context = std::min(spec_.classes[f.cls].max_context, f.context + tokens);
  }

  // After all calls of `stage` finished: the loop edge while passes remain, else one of the
  // outgoing edges by probability, else done. A prefix-cached stage keeps the context's KV.
  Step Next(FlowState& f, int stage, std::mt19937_64& rng) const {
    if (spec_.stages[stage].context && spec_.stages[stage].prefix_cache) {
      f.kept_stage = stage;
      f.kept = f.context;
    }
    int e = -1;
    if (const int l = loop_of_[stage]; l >= 0) {
      int& left = f.loop_left[l];
      const EdgeSpec& le = spec_.edges[loop_edge_[l]];
      if (left < 0) left = std::max(1, static_cast<int>(std::lround(Draw(le.iterations, rng)))) - 1;
      if (left > 0) {
        --left;
        e = loop_edge_[l];
      } else {
        left = -1;
      }
    }
    if (e < 0 && !out_[stage].empty()) {
      double u = 0;
      if (out_[stage].size() > 1 || spec_.edges[out_[stage][0]].probability < 1) {
        u = std::uniform_real_distribution<double>(0, 1)(rng);
      }
      double acc = 0;
      for (int k : out_[stage]) {
        acc += spec_.edges[k].probability;
        if (u < acc) {
          e = k;
          break;
        }
      }
    }
    Step step;
    if (e < 0) return step;
    const EdgeSpec& ed = spec_.edges[e];
    step.stage = ed.to;
    step.fanout = ed.fanout;
    if (ed.has_tool) {
      step.delay = ToSimTime(Secs(Draw(ed.tool_latency, rng)));
      f.context = std::min(spec_.classes[f.cls].max_context,
                           f.context + std::round(Draw(ed.tool_tokens, rng)));
    }
    return step;
  }

  // Sizes of the longest sequence and prompt a stage may see (its memory plan).
  CallBounds Bounds(int stage) const {
    const StageSpec& s = spec_.stages[stage];
    double ctx = 0;
    if (s.context) {
      for (const ClassSpec& c : spec_.classes) ctx = std::max(ctx, c.max_context);
    }
    CallBounds b;
    b.largest_prompt = static_cast<int>(std::ceil(ctx + s.isl.Max()));
    b.longest = static_cast<int>(std::ceil(ctx + s.isl.Max() + s.osl.Max()));
    return b;
  }

 private:
  static double Draw(const Distribution& d, std::mt19937_64& rng) {
    return d.kind == Distribution::Kind::kFixed ? d.a : d.Sample(rng);
  }

  const PipelineSpec& spec_;
  std::vector<std::vector<int>> out_;
  std::vector<int> loop_of_;
  std::vector<int> loop_edge_;
  std::vector<double> cumulative_;
  int loops_ = 0;
};

// The timeless walk of `flows` requests through the graph: per stage, calls per request and the
// calls drawn (the first kMaxSamples of them).
struct WalkStats {
  double visits = 0;      // calls per request
  double groups = 0;      // sequential visits per request (a fan-out counts once)
  double mean_input = 0;  // prompt tokens, cached prefix included
  double mean_cached = 0;
  double mean_output = 0;
  std::vector<CallSample> samples;
};
inline constexpr int kWalkFlows = 4000;
inline constexpr size_t kMaxSamples = 4096;
std::vector<WalkStats> Walk(const PipelineSpec& spec, uint64_t seed, int flows = kWalkFlows);
WalkStats WalkStage(const PipelineSpec& spec, int stage);

// Resolves stage `s`; overrides (when set) replace the system, the GPU count and the TP.
ResolvedStage ResolveStage(const PipelineSpec& spec, int s, const Catalog& catalog,
                           const FactoryData& data, const std::string& system_override,
                           int gpus_override, int tp_override);

}  // namespace tokenfab

#endif  // TOKENFAB_PIPELINE_FLOW_H_
