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
  int stage = 0;  // the rank (physical stage) that ran it
  int microbatch = 0;
  bool backward = false;
  SimTime start = 0;
  SimTime end = 0;
  int chunk = 0;      // model chunk on that rank (interleaved schedule), else 0
  int direction = 0;  // DualPipe: 0 for micro-batches fed at rank 0, 1 for those fed at rank p-1
};

struct PipelineTimeline {
  Seconds makespan;
  std::vector<PipelineOp> ops;  // in completion order
};

// REQUIRES forward.size() == backward.size() >= 1 and microbatches >= 1.
PipelineTimeline SimulateOneFOneB(const std::vector<Seconds>& forward,
                                  const std::vector<Seconds>& backward, int microbatches,
                                  Seconds p2p);

enum class PipelineSchedule { kOneFOneB, kInterleaved, kDualPipe };

// Any of the three schedules. forward[r]/backward[r] are rank r's times for all its layers; with
// kInterleaved each of the `chunks` model chunks takes 1/chunks of them. Orders:
//  - kOneFOneB: as SimulateOneFOneB;
//  - kInterleaved: Megatron-LM's interleaved 1F1B (Narayanan et al. SC'21 sec. 2.2.2; warm-up of
//    2 (p - r - 1) + (v - 1) p forwards on rank r, then one forward / one backward);
//  - kDualPipe: DeepSeek-V3's bidirectional pipeline (tech. report sec. 3.2.1): half the
//    micro-batches enter at rank 0 and half at rank p - 1, each half in 1F1B order; a free rank
//    runs whichever direction's next pass is ready (an approximation of DualPipe's hand-made
//    order: it overlaps the two directions but not forward with backward chunks inside one slot).
// REQUIRES chunks >= 1 (1 unless kInterleaved), microbatches >= 1 (>= 2 for kDualPipe).
PipelineTimeline SimulatePipeline(const std::vector<Seconds>& forward,
                                  const std::vector<Seconds>& backward, int microbatches,
                                  Seconds p2p, PipelineSchedule schedule, int chunks);

// A span on a rank's row of a step trace besides the pipeline passes (DP gradient sync, optimizer).
struct TraceSpan {
  int stage = 0;
  std::string name;
  std::string category;
  SimTime start = 0;
  SimTime end = 0;
};

// A step's Chrome trace: one named thread per rank, one event per pass (category forward or
// backward, named F<microbatch>/B<microbatch>, with .c<chunk> when interleaved and a/b for the
// DualPipe direction), the idle gaps as "bubble" events, and `extra` spans.
std::string StepTraceJson(const PipelineTimeline& t, const std::vector<TraceSpan>& extra);

// The timeline as Chrome trace-event JSON (load in chrome://tracing or ui.perfetto.dev): one
// thread per pipeline stage, one complete event per forward/backward pass.
std::string PipelineTraceJson(const PipelineTimeline& t);

}  // namespace tokenfab

#endif  // TOKENFAB_SIM_PIPELINE_H_
