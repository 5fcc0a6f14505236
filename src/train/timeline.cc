#include "tokenfab/train/timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "tokenfab/base/check.h"
#include "tokenfab/sim/pipeline.h"

namespace tokenfab {
namespace {

using Piece = std::pair<TimelineCategory, Seconds>;

// The pieces of one pass in the order they run: the recompute first in a backward (it rebuilds
// the activations the backward needs), the blocking send last (1F1B sends the activation or its
// gradient when the pass ends; Narayanan et al. SC'21 sec. 2.2).
std::vector<Piece> PassPieces(const PassTiming& p, Seconds send) {
  return {{TimelineCategory::kRecompute, p.recompute},
          {TimelineCategory::kCompute, p.compute},
          {TimelineCategory::kTpComm, p.tp},
          {TimelineCategory::kCpComm, p.cp},
          {TimelineCategory::kEpComm, p.ep},
          {TimelineCategory::kOverlapSlowdown, p.slowdown},
          {TimelineCategory::kPpComm, send}};
}

// Per category, in the enum's order: its JSON key (StepBreakdown's field name) and its label.
struct CategoryNames {
  TimelineCategory category;
  std::string_view key;
  std::string_view label;
};
constexpr CategoryNames kCategoryNames[] = {
    {TimelineCategory::kCompute, "compute", "compute"},
    {TimelineCategory::kRecompute, "recompute", "recompute"},
    {TimelineCategory::kTpComm, "tp_comm", "TP comm"},
    {TimelineCategory::kCpComm, "cp_comm", "CP comm"},
    {TimelineCategory::kEpComm, "ep_comm", "EP all-to-all"},
    {TimelineCategory::kPpComm, "pp_comm", "PP send"},
    {TimelineCategory::kBubble, "pipeline_bubble", "bubble"},
    {TimelineCategory::kDpComm, "dp_comm", "DP gradient sync (exposed)"},
    {TimelineCategory::kOptimizer, "optimizer", "optimizer step"},
    {TimelineCategory::kOverlapSlowdown, "overlap_slowdown", "overlap slowdown"},
    {TimelineCategory::kLossScaling, "loss_scaling", "FP16 loss scaling"},
    {TimelineCategory::kTpOverlapped, "tp_comm_overlapped", "TP comm (overlapped)"},
    {TimelineCategory::kCpOverlapped, "cp_comm_overlapped", "CP ring (overlapped)"},
    {TimelineCategory::kEpOverlapped, "ep_comm_overlapped", "EP all-to-all (overlapped)"},
};

const CategoryNames& NamesOf(TimelineCategory c) {
  const CategoryNames& n = kCategoryNames[static_cast<int>(c)];
  TOKENFAB_CHECK(n.category == c);
  return n;
}

std::string_view ShortName(TimelineCategory c) { return NamesOf(c).label; }

std::vector<int> SampleReplicas(int dp, int wanted) {
  const int n = std::clamp(wanted, 1, dp);
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    const int replica = n == 1 ? 0 : static_cast<int>(std::lround(i * (dp - 1.0) / (n - 1.0)));
    if (out.empty() || out.back() != replica) out.push_back(replica);
  }
  return out;
}

}  // namespace

std::string_view TimelineCategoryName(TimelineCategory c) { return NamesOf(c).key; }

Seconds BreakdownTerm(const StepBreakdown& b, TimelineCategory c) {
  switch (c) {
    case TimelineCategory::kCompute:
      return b.compute;
    case TimelineCategory::kRecompute:
      return b.recompute;
    case TimelineCategory::kTpComm:
      return b.tp_comm;
    case TimelineCategory::kCpComm:
      return b.cp_comm;
    case TimelineCategory::kEpComm:
      return b.ep_comm;
    case TimelineCategory::kPpComm:
      return b.pp_comm;
    case TimelineCategory::kBubble:
      return b.pipeline_bubble;
    case TimelineCategory::kDpComm:
      return b.dp_comm;
    case TimelineCategory::kOptimizer:
      return b.optimizer;
    case TimelineCategory::kOverlapSlowdown:
      return b.overlap_slowdown;
    case TimelineCategory::kLossScaling:
      return b.loss_scaling;
    case TimelineCategory::kTpOverlapped:
    case TimelineCategory::kCpOverlapped:
    case TimelineCategory::kEpOverlapped:
      return Seconds();
  }
  return Seconds();
}

StepTimeline BuildStepTimeline(const TrainingContext& ctx, const Model& m, const TrainResult& r,
                               int replicas) {
  const TrainingConfig& c = r.config;
  const StepBreakdown& b = r.breakdown;
  const std::vector<StagePassTiming> passes = EstimateStagePasses(ctx, m, c);
  StepTimeline t;
  t.config = c;
  t.analytical_step = r.step_time;
  t.schedule = c.dualpipe  ? "DualPipe"
               : c.vpp > 1 ? fmt::format("interleaved 1F1B (VPP {})", c.vpp)
                           : std::string("1F1B");
  // The slowest rank sets the steady state and the breakdown (train.cc: first strict maximum).
  for (int rank = 1; rank < c.pp; ++rank) {
    if (passes[rank].total() > passes[t.critical_rank].total()) t.critical_rank = rank;
  }
  // One pipeline send, from the breakdown's count of them (train.cc PipelineComm): without
  // interleaving 1F1B blocks on 2 sends per micro-batch, and fill and drain expose 2 (pp - 1).
  const bool blocking = c.pp > 1 && c.vpp == 1;
  const double sends = (blocking ? 2.0 * c.microbatches() : 0.0) + 2.0 * (c.pp - 1);
  const Seconds send = c.pp > 1 && sends > 0 ? b.pp_comm / sends : Seconds();
  // A rank's blocking sends: the forward's activation to the next rank, the backward's gradient
  // to the previous one. DualPipe's edge ranks also send for the other direction's passes; each
  // of their passes carries one send (an approximation: half of them do).
  auto forward_send = [&](int rank) {
    return blocking && (c.dualpipe || rank < c.pp - 1) ? send : Seconds();
  };
  auto backward_send = [&](int rank) {
    return blocking && (c.dualpipe || rank > 0) ? send : Seconds();
  };
  std::vector<Seconds> forward, backward;
  for (int rank = 0; rank < c.pp; ++rank) {
    forward.push_back(passes[rank].forward.total() + forward_send(rank));
    backward.push_back(passes[rank].backward.total() + backward_send(rank));
  }
  const PipelineSchedule schedule = c.dualpipe  ? PipelineSchedule::kDualPipe
                                    : c.vpp > 1 ? PipelineSchedule::kInterleaved
                                                : PipelineSchedule::kOneFOneB;
  const PipelineTimeline pipe =
      SimulatePipeline(forward, backward, c.microbatches(), send, schedule, c.vpp);
  t.pipeline = pipe.makespan;

  // One pipeline's spans, row = 2 x pipeline rank (+ 1 on its communication stream); copied
  // below for each sampled replica.
  std::vector<TimelineSpan> one;
  std::vector<bool> has_stream(c.pp, false);
  std::vector<std::vector<std::pair<SimTime, SimTime>>> busy(c.pp);
  const double chunks = schedule == PipelineSchedule::kInterleaved ? c.vpp : 1.0;
  for (const PipelineOp& op : pipe.ops) {
    const StagePassTiming& p = passes[op.stage];
    const std::vector<Piece> pieces = op.backward ? PassPieces(p.backward, backward_send(op.stage))
                                                  : PassPieces(p.forward, forward_send(op.stage));
    const std::string name =
        fmt::format("{}{}{}{}", op.backward ? 'B' : 'F', op.microbatch,
                    schedule == PipelineSchedule::kInterleaved ? fmt::format(".c{}", op.chunk) : "",
                    c.dualpipe ? (op.direction == 0 ? "a" : "b") : "");
    // The hidden communication starts with the pass and runs back to back on the stream
    // (within the pass: it is hidden because it is shorter than the compute it overlaps).
    const PassTiming& timing = op.backward ? p.backward : p.forward;
    SimTime stream = op.start;
    for (const auto& [category, time] :
         {Piece{TimelineCategory::kTpOverlapped, timing.tp_hidden},
          Piece{TimelineCategory::kCpOverlapped, timing.cp_hidden},
          Piece{TimelineCategory::kEpOverlapped, timing.ep_hidden}}) {
      if (time.si() <= 0) continue;
      const SimTime end = std::min(op.end, stream + ToSimTime(time / chunks));
      if (end > stream) {
        one.push_back({2 * op.stage + 1, category, fmt::format("{} {}", name, ShortName(category)),
                       stream, end});
        has_stream[op.stage] = true;
      }
      stream = end;
    }
    // Piece boundaries at the cumulative share of the pass the engine ran (integer ns), so the
    // pieces tile [start, end) and each is within 1 ns of its own time.
    const Seconds whole = (op.backward ? backward[op.stage] : forward[op.stage]) / chunks;
    Seconds cumulative;
    SimTime at = op.start;
    for (const auto& [category, time] : pieces) {
      if (time.si() <= 0) continue;
      cumulative += time / chunks;
      const double share = whole.si() > 0 ? std::min(1.0, cumulative / whole) : 1.0;
      const SimTime end =
          op.start + static_cast<SimTime>(std::llround(share * (op.end - op.start)));
      if (end > at) {
        one.push_back(
            {2 * op.stage, category, fmt::format("{} {}", name, ShortName(category)), at, end});
      }
      at = end;
    }
    busy[op.stage].push_back({op.start, op.end});
  }
  // Idle gaps before each rank's last pass are the bubble; after it the rank syncs its gradients
  // over DP, steps the optimizer and (FP16) unscales, one after another (train.cc adds them to the
  // pipeline's time). The slowdown the overlapped DP reduction caused in the last backward is
  // drawn there too, so that the row's overlap slowdown totals the breakdown's.
  const StagePassTiming& critical = passes[static_cast<size_t>(t.critical_rank)];
  const Seconds pass_slowdown = (critical.forward.slowdown + critical.backward.slowdown) *
                                static_cast<double>(c.microbatches());
  const Seconds dp_slowdown = Max(Seconds(), b.overlap_slowdown - pass_slowdown);
  const std::pair<TimelineCategory, Seconds> tail[] = {
      {TimelineCategory::kOverlapSlowdown, dp_slowdown},
      {TimelineCategory::kDpComm, b.dp_comm},
      {TimelineCategory::kOptimizer, b.optimizer},
      {TimelineCategory::kLossScaling, b.loss_scaling}};
  SimTime step_end = 0;
  for (int rank = 0; rank < c.pp; ++rank) {
    std::sort(busy[rank].begin(), busy[rank].end());
    SimTime at = 0;
    for (const auto& [start, stop] : busy[rank]) {
      if (start > at) one.push_back({2 * rank, TimelineCategory::kBubble, "bubble", at, start});
      at = std::max(at, stop);
    }
    for (const auto& [category, time] : tail) {
      if (time.si() <= 0) continue;
      const SimTime end = at + ToSimTime(time);
      const std::string name = category == TimelineCategory::kOverlapSlowdown
                                   ? "slowdown by the overlapped DP reduction"
                                   : std::string(ShortName(category));
      one.push_back({2 * rank, category, name, at, end});
      at = end;
    }
    step_end = std::max(step_end, at);
  }
  t.step = FromSimTime(step_end);
  std::sort(one.begin(), one.end(), [](const TimelineSpan& a, const TimelineSpan& b) {
    return a.row != b.row ? a.row < b.row : a.start < b.start;
  });

  const std::vector<int> sampled = SampleReplicas(c.dp, replicas);
  const int group = c.tp * c.cp;
  for (const int replica : sampled) {
    std::vector<int> row_of(2 * static_cast<size_t>(c.pp), -1);
    for (int rank = 0; rank < c.pp; ++rank) {
      // Rank order TP-CP-EP-DP-PP (Megatron-Core): global rank tp + TP (cp + CP (dp + DP pp)).
      const TimelineRow row{replica, rank, group * (replica + c.dp * rank), group, false};
      row_of[2 * rank] = static_cast<int>(t.rows.size());
      t.rows.push_back(row);
      if (!has_stream[rank]) continue;
      row_of[2 * rank + 1] = static_cast<int>(t.rows.size());
      t.rows.push_back({replica, rank, row.first_gpu, group, true});
    }
    for (TimelineSpan s : one) {
      s.row = row_of[static_cast<size_t>(s.row)];
      t.spans.push_back(std::move(s));
    }
  }
  return t;
}

int TimelineRowOf(const StepTimeline& t, int replica, int pp_rank) {
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const TimelineRow& r = t.rows[i];
    if (r.replica == replica && r.pp_rank == pp_rank && !r.comm_stream) return static_cast<int>(i);
  }
  return -1;
}

Seconds TimelineTotal(const StepTimeline& t, int row, TimelineCategory c) {
  SimTime total = 0;
  for (const TimelineSpan& s : t.spans) {
    if (s.row == row && s.category == c) total += s.end - s.start;
  }
  return FromSimTime(total);
}

}  // namespace tokenfab
