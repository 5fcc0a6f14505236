// The timeline of one training step on the cluster, span by span: each pipeline rank's forward and
// backward passes (any schedule: 1F1B, interleaved, uneven first/last stages, DualPipe) run on the
// event engine (sim/pipeline.h), each pass cut into its compute, recompute, exposed TP, CP and EP
// communication and overlap slowdown; the blocking pipeline sends; the idle gaps (bubble); and
// after the last backward the exposed DP gradient sync, the optimizer step and FP16 loss scaling.
// A second row per rank, its communication stream, shows the TP/CP/EP communication that the
// pass hides behind its compute (so every parallel dimension is visible even when fully hidden).
//
// It stays small for any cluster size: one row per pipeline rank for a sample of DP replicas
// (first, middle, last), each row standing for its TP x CP group of GPUs (they run the same
// spans; rank order TP-CP-EP-DP-PP as in Megatron-Core, so the group's global ranks are
// contiguous). The replicas run the same schedule: the model has no stragglers.
//
// Summed over the slowest rank's row (`critical_rank`), the spans of each category equal the
// StepBreakdown term of the same name to within the integer-nanosecond rounding of the spans;
// the step's end differs from step_time only by the event engine's pipeline bubble against the
// closed form (train.cc). Pure; thread-safe.
//
// Example:
//   StepTimeline t = BuildStepTimeline(ctx, model, EstimateTraining(ctx, model, cfg));
//   std::ofstream("step.json") << StepTimelineTraceJson(t);  // report/timeline_report.h
#ifndef TOKENFAB_TRAIN_TIMELINE_H_
#define TOKENFAB_TRAIN_TIMELINE_H_

#include <string>
#include <string_view>
#include <vector>

#include "tokenfab/sim/event_queue.h"
#include "tokenfab/train/train.h"

namespace tokenfab {

// What a span spends time on: StepBreakdown's terms.
enum class TimelineCategory {
  kCompute,
  kRecompute,
  kTpComm,
  kCpComm,
  kEpComm,
  kPpComm,
  kBubble,
  kDpComm,
  kOptimizer,
  kOverlapSlowdown,
  kLossScaling,
  // Communication hidden behind compute, on the rank's communication stream (not in the step).
  kTpOverlapped,
  kCpOverlapped,
  kEpOverlapped,
};
// "compute", "recompute", "tp_comm", "cp_comm", "ep_comm", "pp_comm", "pipeline_bubble",
// "dp_comm", "optimizer", "overlap_slowdown", "loss_scaling" (StepBreakdown's field names), and
// "tp_comm_overlapped", "cp_comm_overlapped", "ep_comm_overlapped".
std::string_view TimelineCategoryName(TimelineCategory c);
// The breakdown term of a category (zero for the overlapped ones).
Seconds BreakdownTerm(const StepBreakdown& b, TimelineCategory c);

struct TimelineRow {
  int replica = 0;    // DP replica
  int pp_rank = 0;    // pipeline rank
  int first_gpu = 0;  // global rank of the group's first GPU
  int gpus = 1;       // GPUs of the TP x CP group the row stands for
  // The rank's communication stream: what runs alongside its compute (overlapped TP, CP, EP).
  // Each pipeline rank with overlapped communication has one, right after its compute row.
  bool comm_stream = false;
};

struct TimelineSpan {
  int row = 0;
  TimelineCategory category = TimelineCategory::kCompute;
  std::string name;  // "F3" (forward of micro-batch 3), "B3.c1" (chunk 1), "F3b" (DualPipe), ...
  SimTime start = 0;
  SimTime end = 0;
};

struct StepTimeline {
  std::string schedule;  // "1F1B", "interleaved 1F1B (VPP 2)", "DualPipe"
  TrainingConfig config;
  std::vector<TimelineRow> rows;
  std::vector<TimelineSpan> spans;  // by row, then start
  int critical_rank = 0;            // the pipeline rank whose spans total the breakdown
  Seconds pipeline;                 // end of the last pass (the event engine's makespan)
  Seconds step;                     // end of the last span
  Seconds analytical_step;
};

// REQUIRES `r` from EstimateTraining(ctx, m, r.config). `replicas` DP replicas are drawn (at most
// dp): 0, then the last, then evenly between.
StepTimeline BuildStepTimeline(const TrainingContext& ctx, const Model& m, const TrainResult& r,
                               int replicas = 3);

// The compute row of (replica, pipeline rank); -1 when that replica is not drawn.
int TimelineRowOf(const StepTimeline& t, int replica, int pp_rank);

// Sum of the spans of one category on one row.
Seconds TimelineTotal(const StepTimeline& t, int row, TimelineCategory c);

}  // namespace tokenfab

#endif  // TOKENFAB_TRAIN_TIMELINE_H_
