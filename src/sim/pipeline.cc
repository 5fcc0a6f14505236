#include "tokenfab/sim/pipeline.h"

#include <algorithm>
#include <cstdio>

#include "tokenfab/base/check.h"

namespace tokenfab {
namespace {

struct Op {
  int microbatch;
  bool backward;
  int chunk = 0;
  int direction = 0;
};

// Stage s of p runs min(p - s - 1, m) warm-up forwards, then alternates one forward and one
// backward, then drains the remaining backwards (PipeDream-Flush).
std::vector<Op> OneFOneBOrder(int stage, int stages, int microbatches, int direction = 0) {
  const int warmup = std::min(stages - stage - 1, microbatches);
  std::vector<Op> order;
  int next_forward = 0;
  int next_backward = 0;
  for (; next_forward < warmup; ++next_forward)
    order.push_back({next_forward, false, 0, direction});
  while (next_forward < microbatches) {
    order.push_back({next_forward++, false, 0, direction});
    order.push_back({next_backward++, true, 0, direction});
  }
  while (next_backward < microbatches) order.push_back({next_backward++, true, 0, direction});
  return order;
}

// The k-th forward (or backward) of rank r in Megatron's interleaved schedule: micro-batches go
// in groups of p through chunk 0, then the same group through chunk 1, ...; backwards visit the
// chunks in reverse. Entries whose micro-batch is past m (m not a multiple of p) are skipped.
std::vector<Op> InterleavedPasses(int stages, int chunks, int microbatches, bool backward) {
  std::vector<Op> passes;
  const int group = stages * chunks;
  for (int k = 0; static_cast<int>(passes.size()) < microbatches * chunks; ++k) {
    const int in_group = k % group;
    const int microbatch = (k / group) * stages + in_group % stages;
    const int chunk = in_group / stages;
    if (microbatch >= microbatches) continue;
    passes.push_back({microbatch, backward, backward ? chunks - 1 - chunk : chunk, 0});
  }
  return passes;
}

std::vector<Op> InterleavedOrder(int rank, int stages, int chunks, int microbatches) {
  const std::vector<Op> forwards = InterleavedPasses(stages, chunks, microbatches, false);
  const std::vector<Op> backwards = InterleavedPasses(stages, chunks, microbatches, true);
  const int total = static_cast<int>(forwards.size());
  const int warmup = std::min((stages - rank - 1) * 2 + (chunks - 1) * stages, total);
  std::vector<Op> order(forwards.begin(), forwards.begin() + warmup);
  size_t f = static_cast<size_t>(warmup), b = 0;
  while (f < forwards.size()) {
    order.push_back(forwards[f++]);
    order.push_back(backwards[b++]);
  }
  while (b < backwards.size()) order.push_back(backwards[b++]);
  return order;
}

// A discrete-event run of any schedule. A pass is identified by (direction, virtual stage,
// micro-batch, forward/backward); virtual stage v of direction d lives on rank RankOf(d, v). Each
// rank keeps one ordered lane per direction and, when free, starts the first lane head that is
// ready.
class Simulation {
 public:
  Simulation(const std::vector<Seconds>& forward, const std::vector<Seconds>& backward,
             int microbatches, Seconds p2p, PipelineSchedule schedule, int chunks)
      : forward_(forward),
        backward_(backward),
        p2p_(ToSimTime(p2p)),
        schedule_(schedule),
        chunks_(chunks) {
    const int p = ranks();
    const int directions = schedule == PipelineSchedule::kDualPipe ? 2 : 1;
    micro_[0] = directions == 2 ? (microbatches + 1) / 2 : microbatches;
    micro_[1] = directions == 2 ? microbatches / 2 : 0;
    lanes_.assign(p, {});
    for (int r = 0; r < p; ++r) {
      if (schedule == PipelineSchedule::kInterleaved) {
        lanes_[r].push_back(InterleavedOrder(r, p, chunks, microbatches));
      } else {
        lanes_[r].push_back(OneFOneBOrder(r, p, micro_[0]));
        if (directions == 2 && micro_[1] > 0) {
          lanes_[r].push_back(OneFOneBOrder(p - 1 - r, p, micro_[1], 1));
        }
      }
    }
    next_.assign(p, std::vector<size_t>(2, 0));
    running_.assign(p, false);
    const int virtual_stages = p * chunks;
    for (int d = 0; d < 2; ++d) {
      ready_[d].assign(2, std::vector<std::vector<bool>>(
                              virtual_stages, std::vector<bool>(std::max(micro_[d], 1), false)));
      for (int i = 0; i < micro_[d]; ++i) ready_[d][0][0][i] = true;
    }
  }

  PipelineTimeline Run() {
    for (int r = 0; r < ranks(); ++r) queue_.ScheduleAt(0, 0, [this, r] { TryStart(r); });
    queue_.Run();
    PipelineTimeline t;
    t.ops = std::move(done_);
    SimTime end = 0;
    for (const PipelineOp& op : t.ops) end = std::max(end, op.end);
    t.makespan = FromSimTime(end);
    return t;
  }

 private:
  int ranks() const { return static_cast<int>(forward_.size()); }
  int virtual_stages() const { return ranks() * chunks_; }
  // Virtual stage of chunk c on rank r, and back.
  int VirtualStage(int direction, int rank, int chunk) const {
    return direction == 1 ? ranks() - 1 - rank : chunk * ranks() + rank;
  }
  int RankOf(int direction, int v) const { return direction == 1 ? ranks() - 1 - v : v % ranks(); }

  void TryStart(int r) {
    if (running_[r]) return;
    for (size_t lane = 0; lane < lanes_[r].size(); ++lane) {
      if (next_[r][lane] >= lanes_[r][lane].size()) continue;
      const Op op = lanes_[r][lane][next_[r][lane]];
      const int v = VirtualStage(op.direction, r, op.chunk);
      if (!ready_[op.direction][op.backward][v][op.microbatch]) continue;
      running_[r] = true;
      ++next_[r][lane];
      const SimTime start = queue_.now();
      const SimTime duration = ToSimTime((op.backward ? backward_[r] : forward_[r]) / chunks_);
      queue_.ScheduleAfter(duration, 0, [this, r, op, start] { Finish(r, op, start); });
      return;
    }
  }

  void Finish(int r, Op op, SimTime start) {
    done_.push_back({r, op.microbatch, op.backward, start, queue_.now(), op.chunk, op.direction});
    running_[r] = false;
    const int v = VirtualStage(op.direction, r, op.chunk);
    if (!op.backward && v + 1 < virtual_stages()) {
      Deliver(op.direction, v + 1, op.microbatch, false);
    } else if (!op.backward) {
      ready_[op.direction][1][v][op.microbatch] = true;  // the last stage turns around at once
    } else if (v > 0) {
      Deliver(op.direction, v - 1, op.microbatch, true);
    }
    TryStart(r);
  }

  // The activation (forward) or its gradient (backward) arrives at virtual stage v after the p2p
  // delay (none between two chunks on one rank).
  void Deliver(int direction, int v, int microbatch, bool backward) {
    const int rank = RankOf(direction, v);
    const int from = RankOf(direction, backward ? v + 1 : v - 1);
    queue_.ScheduleAfter(rank == from ? 0 : p2p_, 1,
                         [this, direction, v, rank, microbatch, backward] {
                           ready_[direction][backward][v][microbatch] = true;
                           TryStart(rank);
                         });
  }

  const std::vector<Seconds>& forward_;
  const std::vector<Seconds>& backward_;
  SimTime p2p_;
  PipelineSchedule schedule_;
  int chunks_;
  int micro_[2] = {0, 0};
  EventQueue queue_;
  std::vector<std::vector<std::vector<Op>>> lanes_;  // [rank][direction lane]
  std::vector<std::vector<size_t>> next_;
  std::vector<bool> running_;
  std::vector<std::vector<std::vector<bool>>> ready_[2];  // [direction][backward][v][microbatch]
  std::vector<PipelineOp> done_;
};

std::string EventLine(const std::string& name, const char* category, int tid, SimTime start,
                      SimTime end) {
  char line[320];
  std::snprintf(line, sizeof(line),
                "  {\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": 0, \"tid\": %d, "
                "\"ts\": %.3f, \"dur\": %.3f}",
                name.c_str(), category, tid, start * 1e-3, (end - start) * 1e-3);
  return line;
}

}  // namespace

PipelineTimeline SimulateOneFOneB(const std::vector<Seconds>& forward,
                                  const std::vector<Seconds>& backward, int microbatches,
                                  Seconds p2p) {
  TOKENFAB_CHECK(!forward.empty() && forward.size() == backward.size() && microbatches >= 1)
      << "pipeline of " << forward.size() << " stages, " << microbatches << " micro-batches";
  return SimulatePipeline(forward, backward, microbatches, p2p, PipelineSchedule::kOneFOneB, 1);
}

PipelineTimeline SimulatePipeline(const std::vector<Seconds>& forward,
                                  const std::vector<Seconds>& backward, int microbatches,
                                  Seconds p2p, PipelineSchedule schedule, int chunks) {
  TOKENFAB_CHECK(!forward.empty() && forward.size() == backward.size() && microbatches >= 1 &&
                 chunks >= 1)
      << "pipeline of " << forward.size() << " stages, " << microbatches << " micro-batches, "
      << chunks << " chunks";
  Simulation sim(forward, backward, microbatches, p2p, schedule,
                 schedule == PipelineSchedule::kInterleaved ? chunks : 1);
  PipelineTimeline t = sim.Run();
  const size_t expected = 2 * forward.size() * static_cast<size_t>(microbatches) *
                          (schedule == PipelineSchedule::kInterleaved ? chunks : 1);
  TOKENFAB_CHECK(t.ops.size() == expected)
      << "pipeline schedule deadlocked: " << t.ops.size() << " of " << expected << " passes ran";
  return t;
}

std::string StepTraceJson(const PipelineTimeline& t, const std::vector<TraceSpan>& extra) {
  int ranks = 0;
  for (const PipelineOp& op : t.ops) ranks = std::max(ranks, op.stage + 1);
  std::vector<std::string> lines;
  for (int r = 0; r < ranks; ++r) {
    char line[160];
    std::snprintf(line, sizeof(line),
                  "  {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 0, \"tid\": %d, "
                  "\"args\": {\"name\": \"pipeline rank %d\"}}",
                  r, r);
    lines.emplace_back(line);
  }
  std::vector<std::vector<std::pair<SimTime, SimTime>>> busy(ranks);
  bool chunked = false, dual = false;
  for (const PipelineOp& op : t.ops) chunked |= op.chunk > 0, dual |= op.direction > 0;
  for (const PipelineOp& op : t.ops) {
    char name[48];
    std::snprintf(name, sizeof(name), "%c%d%s%s%s", op.backward ? 'B' : 'F', op.microbatch,
                  chunked ? ".c" : "", chunked ? std::to_string(op.chunk).c_str() : "",
                  dual ? (op.direction == 0 ? "a" : "b") : "");
    lines.push_back(
        EventLine(name, op.backward ? "backward" : "forward", op.stage, op.start, op.end));
    busy[op.stage].push_back({op.start, op.end});
  }
  const SimTime end = ToSimTime(t.makespan);
  for (int r = 0; r < ranks; ++r) {
    std::sort(busy[r].begin(), busy[r].end());
    SimTime at = 0;
    for (const auto& [start, stop] : busy[r]) {
      if (start > at) lines.push_back(EventLine("bubble", "bubble", r, at, start));
      at = std::max(at, stop);
    }
    if (end > at) lines.push_back(EventLine("bubble", "bubble", r, at, end));
  }
  for (const TraceSpan& s : extra) {
    lines.push_back(EventLine(s.name, s.category.c_str(), s.stage, s.start, s.end));
  }
  std::string out = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    out += i + 1 < lines.size() ? ",\n" : "\n";
  }
  return out + "]}\n";
}

std::string PipelineTraceJson(const PipelineTimeline& t) {
  std::string out = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  for (size_t i = 0; i < t.ops.size(); ++i) {
    const PipelineOp& op = t.ops[i];
    char line[256];
    std::snprintf(line, sizeof(line),
                  "  {\"name\": \"%c%d\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": 0, \"tid\": %d, "
                  "\"ts\": %.3f, \"dur\": %.3f}%s\n",
                  op.backward ? 'B' : 'F', op.microbatch, op.backward ? "backward" : "forward",
                  op.stage, op.start * 1e-3, (op.end - op.start) * 1e-3,
                  i + 1 < t.ops.size() ? "," : "");
    out += line;
  }
  out += "]}\n";
  return out;
}

}  // namespace tokenfab
