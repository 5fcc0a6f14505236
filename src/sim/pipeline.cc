#include "tokenfab/sim/pipeline.h"

#include <algorithm>
#include <cstdio>

#include "tokenfab/base/check.h"

namespace tokenfab {
namespace {

struct Op {
  int microbatch;
  bool backward;
};

// Stage s of p runs min(p - s - 1, m) warm-up forwards, then alternates one forward and one
// backward, then drains the remaining backwards (PipeDream-Flush).
std::vector<Op> OneFOneBOrder(int stage, int stages, int microbatches) {
  const int warmup = std::min(stages - stage - 1, microbatches);
  std::vector<Op> order;
  int next_forward = 0;
  int next_backward = 0;
  for (; next_forward < warmup; ++next_forward) order.push_back({next_forward, false});
  while (next_forward < microbatches) {
    order.push_back({next_forward++, false});
    order.push_back({next_backward++, true});
  }
  while (next_backward < microbatches) order.push_back({next_backward++, true});
  return order;
}

class Simulation {
 public:
  Simulation(const std::vector<Seconds>& forward, const std::vector<Seconds>& backward,
             int microbatches, Seconds p2p)
      : forward_(forward), backward_(backward), p2p_(ToSimTime(p2p)) {
    const int stages = static_cast<int>(forward.size());
    for (int s = 0; s < stages; ++s) order_.push_back(OneFOneBOrder(s, stages, microbatches));
    next_.assign(stages, 0);
    running_.assign(stages, false);
    forward_ready_.assign(stages, std::vector<bool>(microbatches, false));
    backward_ready_.assign(stages, std::vector<bool>(microbatches, false));
    for (int i = 0; i < microbatches; ++i) forward_ready_[0][i] = true;
  }

  PipelineTimeline Run() {
    queue_.ScheduleAt(0, 0, [this] { TryStart(0); });
    queue_.Run();
    PipelineTimeline t;
    t.ops = std::move(done_);
    SimTime end = 0;
    for (const PipelineOp& op : t.ops) end = std::max(end, op.end);
    t.makespan = FromSimTime(end);
    return t;
  }

 private:
  int stages() const { return static_cast<int>(forward_.size()); }

  void TryStart(int s) {
    if (running_[s] || next_[s] >= order_[s].size()) return;
    const Op op = order_[s][next_[s]];
    const bool ready =
        op.backward ? backward_ready_[s][op.microbatch] : forward_ready_[s][op.microbatch];
    if (!ready) return;
    running_[s] = true;
    const SimTime start = queue_.now();
    const SimTime duration = ToSimTime(op.backward ? backward_[s] : forward_[s]);
    queue_.ScheduleAfter(duration, 0, [this, s, op, start] { Finish(s, op, start); });
  }

  void Finish(int s, Op op, SimTime start) {
    done_.push_back({s, op.microbatch, op.backward, start, queue_.now()});
    running_[s] = false;
    ++next_[s];
    if (!op.backward && s + 1 < stages()) {
      Deliver(s + 1, op.microbatch, false);
    } else if (!op.backward) {
      backward_ready_[s][op.microbatch] = true;  // the last stage turns around at once
    } else if (s > 0) {
      Deliver(s - 1, op.microbatch, true);
    }
    TryStart(s);
  }

  // The activation (forward) or its gradient (backward) arrives at stage s after the p2p delay.
  void Deliver(int s, int microbatch, bool backward) {
    queue_.ScheduleAfter(p2p_, 1, [this, s, microbatch, backward] {
      (backward ? backward_ready_ : forward_ready_)[s][microbatch] = true;
      TryStart(s);
    });
  }

  const std::vector<Seconds>& forward_;
  const std::vector<Seconds>& backward_;
  SimTime p2p_;
  EventQueue queue_;
  std::vector<std::vector<Op>> order_;
  std::vector<size_t> next_;
  std::vector<bool> running_;
  std::vector<std::vector<bool>> forward_ready_;
  std::vector<std::vector<bool>> backward_ready_;
  std::vector<PipelineOp> done_;
};

}  // namespace

PipelineTimeline SimulateOneFOneB(const std::vector<Seconds>& forward,
                                  const std::vector<Seconds>& backward, int microbatches,
                                  Seconds p2p) {
  TOKENFAB_CHECK(!forward.empty() && forward.size() == backward.size() && microbatches >= 1)
      << "pipeline of " << forward.size() << " stages, " << microbatches << " micro-batches";
  Simulation sim(forward, backward, microbatches, p2p);
  return sim.Run();
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
