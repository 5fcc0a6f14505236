// Event-driven timeline of one training step's pipeline: the non-interleaved 1F1B schedule
// (PipeDream-Flush; Narayanan et al. SC'21, sec. 2.2.1, Fig. 4 top) run on the EventQueue, with
// per-stage forward and backward times and a point-to-point delay between stages. It checks the
// analytical bubble formula and draws timelines (Chrome/Perfetto trace). Not thread-safe per
// call; independent calls may run in parallel.
//
// Example:
//   PipelineTimeline t = SimulateOneFOneB({Secs(1), Secs(1)}, {Secs(2), Secs(2)}, 2, Seconds());
//   // t.makespan == 9 s == (m + p - 1) (t_f + t_b)
#ifndef TOKENFAB_SIM_PIPELINE_H_
#define TOKENFAB_SIM_PIPELINE_H_

#include <string>
#include <vector>

#include "tokenfab/sim/event_queue.h"
#include "tokenfab/units/units.h"

namespace tokenfab {

struct PipelineOp {
  int stage = 0;
  int microbatch = 0;
  bool backward = false;
  SimTime start = 0;
  SimTime end = 0;
};

struct PipelineTimeline {
  Seconds makespan;
  std::vector<PipelineOp> ops;  // in completion order
};

// REQUIRES forward.size() == backward.size() >= 1 and microbatches >= 1.
PipelineTimeline SimulateOneFOneB(const std::vector<Seconds>& forward,
                                  const std::vector<Seconds>& backward, int microbatches,
                                  Seconds p2p);

// The timeline as Chrome trace-event JSON (load in chrome://tracing or ui.perfetto.dev): one
// thread per pipeline stage, one complete event per forward/backward pass.
std::string PipelineTraceJson(const PipelineTimeline& t);

}  // namespace tokenfab

#endif  // TOKENFAB_SIM_PIPELINE_H_
