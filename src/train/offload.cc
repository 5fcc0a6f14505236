#include "offload.h"

#include <algorithm>
#include <array>

namespace tokenfab {
namespace {
constexpr std::array<std::string_view, 3> kStepNames = {"sync", "delayed", "speculative"};
}  // namespace

std::string_view OffloadStepName(OffloadStep s) { return kStepNames[static_cast<int>(s)]; }

std::optional<OffloadStep> ParseOffloadStep(std::string_view name) {
  for (size_t i = 0; i < kStepNames.size(); ++i) {
    if (kStepNames[i] == name) return static_cast<OffloadStep>(i);
  }
  return std::nullopt;
}

std::string OffloadName(const OffloadConfig& o) {
  std::string out;
  auto add = [&out](bool on, std::string_view name) {
    if (!on) return;
    if (!out.empty()) out.push_back('+');
    out.append(name);
  };
  add(o.optimizer, "optimizer");
  add(o.params, "params");
  add(o.activations, "activations");
  return out.empty() ? "none" : out;
}

std::optional<OffloadConfig> ParseOffload(std::string_view text, std::string* bad) {
  OffloadConfig o;
  if (text == "none") return o;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find_first_of("+,", start), text.size());
    const std::string_view state = text.substr(start, end - start);
    if (state == "optimizer") {
      o.optimizer = true;
    } else if (state == "params") {
      o.params = true;
    } else if (state == "activations") {
      o.activations = true;
    } else {
      if (bad != nullptr) *bad = std::string(state);
      return std::nullopt;
    }
    start = end + 1;
  }
  return o;
}

}  // namespace tokenfab

namespace tokenfab::train_internal {

void ApplyOffloadMemory(const TrainingConfig& c, double in_flight_activations,
                        double layer_activations, MemoryBreakdown& mem) {
  const OffloadConfig& o = c.offload;
  double host = 0;
  if (o.optimizer) {
    // The host keeps the optimizer state and an FP32 gradient buffer of the shard: 4 B per
    // trained parameter, i.e. the optimizer's 12 B (FP32 grads) or 16 B (BF16 grads) per
    // parameter over 12 or 16, times 4.
    const double per_param = c.fp32_grads ? 12.0 : 16.0;
    host += mem.optimizer.si() * (1.0 + 4.0 / per_param);
    mem.optimizer = Bytes();
    if (c.zero >= 2) {
      const double bucket = 2.0 * kReduceBucketElements * (c.fp32_grads ? 4.0 : 2.0);
      mem.gradients = ByteCount(std::min(mem.gradients.si(), bucket));
    }
  }
  if (o.params) {
    host += mem.weights.si();
    mem.weights = Bytes();
  }
  if (o.activations) {
    const double kept = std::min(in_flight_activations, 2.0 * layer_activations);
    host += in_flight_activations - kept;
    mem.activations -= ByteCount(in_flight_activations - kept);
  }
  mem.host = ByteCount(host);
  mem.total = mem.weights + mem.gradients + mem.optimizer + mem.activations + mem.buffers;
}

OffloadTime EstimateOffload(const HostMemory& host, const TrainingConfig& c, double weight_shard,
                            double trained_shard, double activation_bytes, Seconds forward,
                            Seconds backward) {
  OffloadTime t;
  const OffloadConfig& o = c.offload;
  if (!o.any() || !host.present) return t;
  const BytesPerSecond link = host.transfer_bandwidth();
  auto over_link = [&](double bytes) { return ByteCount(bytes) / link; };
  const double micro = c.microbatches();
  // Forward: weights in (H2D), activations out (D2H); each direction overlaps the pass.
  const double fetch = o.params ? 2.0 * weight_shard : 0.0;
  const double acts = o.activations ? activation_bytes : 0.0;
  const Seconds fwd_link = Max(over_link(fetch), over_link(acts));
  t.exposed += Max(Seconds(), fwd_link - forward) * micro;
  // Backward: weights and activations in, gradients out. SuperOffload's Superchip-aware casting
  // (sec. 4.4) casts the gradients to FP32 on the GPU and moves 4 B; ZeRO-Offload moves the
  // 16-bit gradients and casts on the CPU.
  const double grad_bytes = c.offload.step == OffloadStep::kSpeculative || c.fp32_grads ? 4.0 : 2.0;
  const double grads = o.optimizer ? grad_bytes * trained_shard : 0.0;
  const Seconds bwd_in = over_link(fetch + acts);
  const Seconds with_grads = Max(bwd_in, over_link(grads));
  // Gradients leave every micro-batch under ZeRO-2/3 (no full gradient on the GPU), else once.
  const double grad_micro = c.zero >= 2 ? micro : 1.0;
  t.exposed += Max(Seconds(), with_grads - backward) * grad_micro +
               Max(Seconds(), bwd_in - backward) * (micro - grad_micro);
  if (!o.optimizer) return t;
  // The CPU step, pipelined with the copy of the updated BF16 shard back to the GPU (none when
  // the weights themselves live on the host).
  const BytesPerSecond dram = host.bandwidth_per_gpu * kCpuAdamDramEfficiency;
  t.cpu_step = ByteCount(kCpuAdamBytesPerParam * trained_shard) / dram;
  const Seconds tail = Max(t.cpu_step, o.params ? Seconds() : over_link(2.0 * trained_shard));
  Seconds window;
  if (o.step == OffloadStep::kDelayed) window = (forward + backward) * micro;
  if (o.step == OffloadStep::kSpeculative) window = backward;
  t.exposed += Max(Seconds(), tail - window);
  return t;
}

}  // namespace tokenfab::train_internal
