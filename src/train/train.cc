#include "tokenfab/train/train.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "layer_cost.h"
#include "memo.h"
#include "memory.h"
#include "offload.h"

namespace tokenfab {

using train_internal::Exposure;
using train_internal::LayerCost;
using train_internal::StageLayers;

namespace {

// One micro-batch (forward + backward) on one pipeline stage, by effect.
struct MicrobatchTime {
  Seconds forward;   // compute only
  Seconds backward;  // compute only
  Seconds recompute;
  Seconds tp, cp, ep, slowdown;
  Exposure forward_exposed;  // the part of tp, cp, ep and slowdown in the forward passes
  Exposure forward_hidden, backward_hidden;  // communication overlapped with compute (no slowdown)
  Seconds total() const { return forward + backward + recompute + tp + cp + ep + slowdown; }
};

void Accumulate(MicrobatchTime& mb, const Exposure& e, double layers) {
  mb.tp += e.tp * layers;
  mb.cp += e.cp * layers;
  mb.ep += e.ep * layers;
  mb.slowdown += e.slowdown * layers;
}

void AddLayers(const TrainingContext& ctx, const TrainingConfig& c, const LayerCost& lc,
               double layers, MicrobatchTime& mb) {
  if (layers <= 0) return;
  const Exposure fwd = train_internal::Expose(ctx, c, lc.forward);
  const Exposure bwd = train_internal::Expose(ctx, c, lc.backward);
  mb.forward += lc.forward.compute() * layers;
  mb.backward += lc.backward.compute() * layers;
  Accumulate(mb, fwd, layers);
  Accumulate(mb, bwd, layers);
  mb.forward_exposed.tp += fwd.tp * layers;
  mb.forward_exposed.cp += fwd.cp * layers;
  mb.forward_exposed.ep += fwd.ep * layers;
  mb.forward_exposed.slowdown += fwd.slowdown * layers;
  auto hide = [layers](Exposure& into, const train_internal::PassCost& pass, const Exposure& e) {
    into.tp += (pass.tp_comm - e.tp) * layers;
    into.cp += (pass.cp_comm - e.cp) * layers;
    into.ep += (pass.ep_comm - e.ep) * layers;
  };
  hide(mb.forward_hidden, lc.forward, fwd);
  hide(mb.backward_hidden, lc.backward, bwd);
  if (c.recompute == Recompute::kFull) hide(mb.backward_hidden, lc.forward, fwd);
  if (c.recompute == Recompute::kFull) {
    mb.recompute += lc.forward.compute() * layers;
    Accumulate(mb, fwd, layers);  // the recomputed forward repeats its communication
  } else if (c.recompute == Recompute::kSelective) {
    mb.recompute += lc.selective_recompute * layers;
  }
}

MicrobatchTime StageTime(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                         const StageLayers& s, const LayerCost& dense, const LayerCost& moe) {
  MicrobatchTime mb;
  AddLayers(ctx, c, dense, s.dense, mb);
  AddLayers(ctx, c, moe, s.moe, mb);
  if (s.last) {
    const Seconds logits = train_internal::CostLogits(ctx, m, c);
    mb.forward += logits / 3.0;
    mb.backward += logits * (2.0 / 3.0);
  }
  return mb;
}

CollectiveResult Collective(const TrainingContext& ctx, CollectiveOp op, double bytes, int ranks,
                            int stride, TrainingMemo* memo) {
  if (ranks <= 1 || bytes <= 0) return {};
  auto estimate = [&] {
    const CollectiveResult r = train_internal::CollectiveCost(ctx, op, bytes, ranks, stride);
    CollectiveResult kept;  // what the step needs: no strings in the search's memo
    kept.time = r.time;
    kept.sms = r.sms;
    return kept;
  };
  if (memo == nullptr) return estimate();
  // Memoised for the search: the time depends only on these four values and the topology.
  auto [it, inserted] = memo->impl().collectives.try_emplace({op, bytes, ranks, stride});
  if (inserted) it->second = estimate();
  return it->second;
}

// Pipeline p2p: each stage boundary sends the (sequence-parallel sharded) activation forward and
// its gradient backward. Non-interleaved 1F1B in Megatron blocks on these sends every
// micro-batch; the interleaved schedule overlaps them. Fill and drain expose 2 (pp - 1) sends.
Seconds PipelineComm(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                     TrainingMemo* memo) {
  if (c.pp <= 1) return Seconds();
  const double sp = (c.sequence_parallel && c.tp > 1) ? c.tp : 1.0;
  const double bytes = 2.0 * train_internal::TokensPerMicrobatch(c) * m.hidden / sp;
  const Seconds send =
      Collective(ctx, CollectiveOp::kSendRecv, bytes, c.pp, c.tp * c.cp * c.dp, memo).time;
  const double blocking = c.vpp == 1 ? 2.0 * c.microbatches() : 0.0;
  return send * (blocking + 2.0 * (c.pp - 1));
}

// Gradient reduce-scatter (or all-reduce without ZeRO) and parameter all-gather over the DP x CP
// group, overlapped with the backward and forward of one micro-batch when dp_overlap is on
// (Megatron-Core distributed optimizer, --overlap-grad-reduce/--overlap-param-gather).
struct DpTime {
  Seconds exposed;
  Seconds slowdown;
};
DpTime DataParallelComm(const TrainingContext& ctx, const TrainingConfig& c,
                        const train_internal::StageParameters& p, const MicrobatchTime& mb,
                        TrainingMemo* memo) {
  const train_internal::DataParallelGroups groups = train_internal::DataParallelRanks(c);
  const int ranks = groups.dense;
  const double grad_bytes = c.fp32_grads ? 4.0 : 2.0;
  // Each kind of sync: its time, and the compute it costs per second while overlapped (the SMs
  // its NCCL kernels hold, time-weighted over the dense and expert groups).
  struct Sync {
    Seconds time;
    Seconds lost;  // time x InterferenceRate of each part
    void Add(const TrainingContext& x, const CollectiveResult& r) {
      time += r.time;
      lost += r.time * train_internal::InterferenceRate(x, r.sms);
    }
    double rate() const { return time.si() > 0 ? lost / time : 0.0; }
  };
  Sync grads, params;
  if (c.zero == 0) {
    grads.Add(ctx,
              Collective(ctx, CollectiveOp::kAllReduce, grad_bytes * p.dense, ranks, c.tp, memo));
  } else {
    grads.Add(ctx, Collective(ctx, CollectiveOp::kReduceScatter, grad_bytes * p.dense, ranks, c.tp,
                              memo));
    params.Add(ctx, Collective(ctx, CollectiveOp::kAllGather, 2.0 * p.dense, ranks, c.tp, memo));
  }
  if (p.expert > 0 && groups.expert > 1) {
    const int er = groups.expert;
    const int stride = c.ep * c.etp;
    grads.Add(ctx, Collective(ctx, CollectiveOp::kReduceScatter, grad_bytes * p.expert, er, stride,
                              memo));
    params.Add(ctx, Collective(ctx, CollectiveOp::kAllGather, 2.0 * p.expert, er, stride, memo));
  }
  // ZeRO-2/3 keep no full gradient, so they reduce-scatter after every micro-batch's backward;
  // ZeRO-3/FSDP also gathers parameters before each micro-batch's forward and backward
  // (Rajbhandari et al. 2020, sec. 5). Each sync overlaps its own micro-batch's pass.
  const double grad_syncs = c.zero >= 2 ? c.microbatches() : 1.0;
  const double gather_syncs = c.zero == 3 ? 2.0 * c.microbatches() : 1.0;
  DpTime t;
  if (!c.dp_overlap) {
    t.exposed = grads.time * grad_syncs + params.time * gather_syncs;
    return t;
  }
  const Seconds bwd_window = mb.backward + mb.recompute;
  const Seconds fwd_window = mb.forward;
  // Without bucketing the gradient reduction waits for the whole backward (no window).
  const Seconds grad_window = c.grad_bucketing ? bwd_window : Seconds();
  t.exposed = Max(Seconds(), grads.time - grad_window) * grad_syncs +
              Max(Seconds(), params.time - fwd_window) * gather_syncs;
  t.slowdown = Min(grads.time, grad_window) * (grad_syncs * grads.rate()) +
               Min(params.time, fwd_window) * (gather_syncs * params.rate());
  return t;
}

// Adam step, memory-bound: per local parameter read FP32 master, grad, m, v (16 B) and write
// master, m, v and the BF16 weight (14 B). Source: ZeRO (Rajbhandari et al. 2020) state sizes.
Seconds OptimizerTime(const TrainingContext& ctx, const TrainingConfig& c,
                      const train_internal::StageParameters& p) {
  const train_internal::DataParallelGroups groups = train_internal::DataParallelRanks(c);
  const double dense_shard = c.zero >= 1 ? groups.dense : 1.0;
  const double expert_shard = c.zero >= 1 ? groups.expert : 1.0;
  const double params = p.dense / dense_shard + p.expert / expert_shard;
  return MemoryTime(ctx.compute, ByteCount(30.0 * params));
}

// FP16 dynamic loss scaling (Micikevicius et al. 2018, sec. 3.2; apex/Megatron
// multi_tensor_scale + found_inf): each step reads the local FP32 main gradients and writes them
// unscaled, checking for inf/NaN on the way (8 B per local trained parameter), then all-reduces
// the one-element found-inf flag (latency only, within the step's DP sync; left out). Overflowed
// steps are skipped and redone: the rest of the step repeats at kFp16SkippedStepRate.
Seconds LossScalingTime(const TrainingContext& ctx, const TrainingConfig& c,
                        const train_internal::StageParameters& p, Seconds step) {
  const train_internal::DataParallelGroups groups = train_internal::DataParallelRanks(c);
  const double dense_shard = c.zero >= 1 ? groups.dense : 1.0;
  const double expert_shard = c.zero >= 1 ? groups.expert : 1.0;
  const double params = p.dense / dense_shard + p.expert / expert_shard;
  const Seconds unscale = MemoryTime(ctx.compute, ByteCount(8.0 * params));
  const double rate = kFp16SkippedStepRate;
  return unscale + (step + unscale) * (rate / (1.0 - rate));
}

struct LayerCosts {
  LayerCost dense;
  LayerCost moe;
};

// The memo key of a configuration's layer costs: the configuration with every field that
// CostLayer() does not read set to a fixed value. Keep this list in step with layer_cost.cc: a
// field CostLayer starts reading must leave it (fields added to TrainingConfig are kept by
// default, which is safe).
TrainingConfig LayerKey(TrainingConfig c) {
  c.pp = c.vpp = c.dp = c.gbs = 1;
  c.recompute = Recompute::kNone;
  c.zero = 1;
  c.tp_comm_overlap = c.dp_overlap = c.grad_bucketing = true;
  c.pp_first_layers = c.pp_last_layers = 0;
  c.offload = {};
  return c;
}

LayerCosts CostLayers(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                      TrainingMemo* memo) {
  auto cost = [&] {
    LayerCosts lc{train_internal::CostLayer(ctx, m, c, false), {}};
    lc.moe = m.is_moe() ? train_internal::CostLayer(ctx, m, c, true) : lc.dense;
    return lc;
  };
  if (memo == nullptr) return cost();
  auto& entries = memo->impl().layers;
  const TrainingConfig key = LayerKey(c);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key == key) return {it->dense, it->moe};
  }
  if (entries.size() >= TrainingMemo::Impl::kMaxLayerEntries) entries.clear();
  const LayerCosts lc = cost();
  entries.push_back({key, lc.dense, lc.moe});
  return lc;
}

// The levers a plan that does not fit has left, in the order a practitioner tries them.
std::string MemoryHint(const TrainingConfig& c) {
  std::string levers;
  auto add = [&levers](const char* lever) {
    levers += (levers.empty() ? "" : ", ") + std::string(lever);
  };
  if (c.recompute != Recompute::kFull)
    add(c.recompute == Recompute::kNone ? "selective or full recompute" : "full recompute");
  if (c.zero < 3) add(c.zero < 1 ? "ZeRO-1 or higher" : "a higher ZeRO stage");
  add("more PP or TP");
  if (c.mbs > 1) add("a smaller micro-batch");
  // Host offload (train/offload.h) needs a stack that implements it (train/software.h).
  if (!c.offload.optimizer)
    add("optimizer offload to host memory (a stack that has it, e.g. deepspeed-zero-offload)");
  return "try " + levers;
}

std::string Bottleneck(const StepBreakdown& b, Seconds step) {
  const std::pair<const char*, Seconds> effects[] = {
      {"pipeline bubble", b.pipeline_bubble},  {"exposed TP communication", b.tp_comm},
      {"exposed CP communication", b.cp_comm}, {"exposed EP all-to-all", b.ep_comm},
      {"exposed DP communication", b.dp_comm}, {"pipeline sends", b.pp_comm},
      {"activation recompute", b.recompute},   {"optimizer step", b.optimizer},
      {"FP16 loss scaling", b.loss_scaling},   {"host offload", b.offload}};
  const auto* worst =
      std::max_element(std::begin(effects), std::end(effects),
                       [](const auto& a, const auto& z) { return a.second < z.second; });
  // Effects under 5% of the step do not bind: the step is then compute-bound.
  return worst->second > step * 0.05 ? worst->first : "compute";
}

}  // namespace

TrainingMemo::TrainingMemo() : impl_(std::make_unique<Impl>()) {}
TrainingMemo::~TrainingMemo() = default;
TrainingMemo::TrainingMemo(TrainingMemo&&) noexcept = default;
TrainingMemo& TrainingMemo::operator=(TrainingMemo&&) noexcept = default;

size_t TrainingMemo::Impl::CollectiveHash::operator()(const CollectiveKey& k) const {
  size_t h = std::hash<double>()(k.bytes);
  h = h * 31 + static_cast<size_t>(k.op);
  h = h * 31 + static_cast<size_t>(k.ranks);
  return h * 31 + static_cast<size_t>(k.stride);
}

void TrainingMemo::Impl::Bind(const TrainingContext& c, const Model& m) {
  if (ctx == &c && model == &m) return;
  ctx = &c;
  model = &m;
  layers.clear();
  collectives.clear();
}

TrainingContext MakeTrainingContext(const Cluster& cluster) {
  TrainingContext ctx;
  ctx.cluster = cluster;
  ctx.compute = MakeComputeModel(cluster.chip, cluster.efficiency);
  ctx.topology = MakeTopology(cluster.chip, cluster.system, cluster.fabric, cluster.gpus);
  return ctx;
}

TrainResult EstimateTraining(const TrainingContext& ctx, const Model& m, const TrainingConfig& c) {
  return EstimateTraining(ctx, m, c, nullptr);
}

std::vector<StageTiming> EstimateStageTimings(const TrainingContext& ctx, const Model& m,
                                              const TrainingConfig& c) {
  const LayerCosts costs = CostLayers(ctx, m, c, nullptr);
  const std::vector<StageLayers> shapes = train_internal::PipelineStages(m, c);
  std::vector<StageTiming> timings;
  for (int rank = 0; rank < c.pp; ++rank) {
    // Representative shapes: the first, one middle (shared by ranks 1 .. pp-2) and the last.
    const size_t shape = rank == 0 ? 0 : (rank == c.pp - 1 ? shapes.size() - 1 : 1);
    const MicrobatchTime mb = StageTime(ctx, m, c, shapes[shape], costs.dense, costs.moe);
    const Seconds compute = mb.forward + mb.backward + mb.recompute;
    const double forward_share = compute.si() > 0 ? mb.forward / compute : 0.5;
    timings.push_back({mb.total() * forward_share, mb.total() * (1.0 - forward_share)});
  }
  return timings;
}

std::vector<StagePassTiming> EstimateStagePasses(const TrainingContext& ctx, const Model& m,
                                                 const TrainingConfig& c) {
  const LayerCosts costs = CostLayers(ctx, m, c, nullptr);
  const std::vector<StageLayers> shapes = train_internal::PipelineStages(m, c);
  std::vector<StagePassTiming> passes;
  for (int rank = 0; rank < c.pp; ++rank) {
    const size_t shape = rank == 0 ? 0 : (rank == c.pp - 1 ? shapes.size() - 1 : 1);
    const MicrobatchTime mb = StageTime(ctx, m, c, shapes[shape], costs.dense, costs.moe);
    const Exposure& f = mb.forward_exposed;
    StagePassTiming t;
    const Exposure& fh = mb.forward_hidden;
    const Exposure& bh = mb.backward_hidden;
    t.forward = {mb.forward, Seconds(), f.tp, f.cp, f.ep, f.slowdown, fh.tp, fh.cp, fh.ep};
    t.backward = {mb.backward,  mb.recompute, mb.tp - f.tp,
                  mb.cp - f.cp, mb.ep - f.ep, mb.slowdown - f.slowdown,
                  bh.tp,        bh.cp,        bh.ep};
    passes.push_back(t);
  }
  return passes;
}

TrainResult EstimateTraining(const TrainingContext& ctx, const Model& m, const TrainingConfig& c,
                             TrainingMemo* memo) {
  if (memo != nullptr) memo->impl().Bind(ctx, m);
  const LayerCosts layer_costs = CostLayers(ctx, m, c, memo);
  const LayerCost& dense = layer_costs.dense;
  const LayerCost& moe = layer_costs.moe;
  TrainResult r;
  r.config = c;
  MicrobatchTime worst;
  StageLayers worst_stage;
  r.memory.total = Bytes();
  Seconds all_ranks;  // one micro-batch through every pipeline rank
  Bytes host;         // offloaded state per GPU, the most loaded stage
  for (const StageLayers& s : train_internal::PipelineStages(m, c)) {
    const MicrobatchTime mb = StageTime(ctx, m, c, s, dense, moe);
    const bool middle = !s.first && !s.last;
    all_ranks += mb.total() * (middle ? c.pp - 2.0 : 1.0);
    if (mb.total() > worst.total()) {
      worst = mb;
      worst_stage = s;
    }
    const MemoryBreakdown mem = train_internal::StageMemory(m, c, s, ctx.cluster.chip.hbm_capacity);
    host = Max(host, mem.host);
    if (mem.total > r.memory.total) r.memory = mem;
  }
  r.memory.host = host;
  r.memory.host_capacity =
      c.offload.any() ? ctx.cluster.system.host_memory.capacity_per_gpu : Bytes();
  const double micro = c.microbatches();
  StepBreakdown& b = r.breakdown;
  b.compute = (worst.forward + worst.backward) * micro;
  b.recompute = worst.recompute * micro;
  b.tp_comm = worst.tp * micro;
  b.cp_comm = worst.cp * micro;
  b.ep_comm = worst.ep * micro;
  b.overlap_slowdown = worst.slowdown * micro;
  // 1F1B bubble: (p - 1) micro-batch slots, divided by v when interleaved (Narayanan et al.
  // SC'21, sec. 2.2.2: bubble fraction (p - 1) / (v m)).
  // DualPipe: (pp/2 - 1) slots (DeepSeek-V3 report, Table 2).
  // Fill and drain pass one micro-batch through every rank but the slowest, which sets the steady
  // state: sum of the other ranks' micro-batch times (= (p - 1) t for equal stages; SC'21 sec.
  // 2.2.1), divided by v when interleaved (sec. 2.2.2); DualPipe leaves (p/2 - 1) of the p - 1
  // slots (DeepSeek-V3 Table 2). sim/pipeline.h's event timeline checks this.
  const Seconds fill_and_drain = all_ranks - worst.total();
  const double schedule =
      c.dualpipe ? std::max(0.0, c.pp / 2.0 - 1.0) / std::max(1.0, c.pp - 1.0) : 1.0 / c.vpp;
  b.pipeline_bubble = fill_and_drain * schedule;
  b.pp_comm = PipelineComm(ctx, m, c, memo);
  // Only trained parameters are reduced and stepped: under LoRA, the adapters.
  const auto params = train_internal::TrainableOnGpu(m, c, worst_stage);
  const DpTime dp = DataParallelComm(ctx, c, params, worst, memo);
  b.dp_comm = dp.exposed;
  b.overlap_slowdown += dp.slowdown;
  b.optimizer = OptimizerTime(ctx, c, params);
  if (c.offload.any()) {
    const train_internal::DataParallelGroups groups = train_internal::DataParallelRanks(c);
    auto shard = [&](const train_internal::StageParameters& q, int from_stage) {
      if (c.zero < from_stage) return q.dense + q.expert;
      return q.dense / groups.dense + q.expert / groups.expert;
    };
    const double activations =
        worst_stage.dense * train_internal::ActivationBytesPerLayer(m, c, false) +
        worst_stage.moe * train_internal::ActivationBytesPerLayer(m, c, true);
    const train_internal::OffloadTime off = train_internal::EstimateOffload(
        ctx.cluster.system.host_memory, c,
        shard(train_internal::ParametersOnGpu(m, c, worst_stage), 3), shard(params, 1), activations,
        worst.forward, worst.backward + worst.recompute);
    b.offload = off.exposed;
    if (c.offload.optimizer) b.optimizer = Seconds();  // Adam runs on the host CPU
  }
  r.step_time = b.compute + b.recompute + b.tp_comm + b.cp_comm + b.ep_comm + b.pp_comm +
                b.pipeline_bubble + b.dp_comm + b.optimizer + b.overlap_slowdown + b.offload;
  if (c.precision == Precision::kFp16) {
    b.loss_scaling = LossScalingTime(ctx, c, params, r.step_time);
    r.step_time += b.loss_scaling;
  }
  // The forward's share of the micro-batch, its communication split in proportion (as
  // EstimateStageTimings); an evaluation pass recomputes nothing.
  const Seconds passes = worst.forward + worst.backward;
  const double forward_share = passes.si() > 0 ? worst.forward / passes : 0.5;
  r.forward_microbatch = (worst.total() - worst.recompute) * forward_share;

  const int gpus = c.gpus();
  r.tokens_per_step = static_cast<double>(c.gbs) * c.seq;
  r.tokens_per_s = r.tokens_per_step / ToSeconds(r.step_time);
  r.tokens_per_s_per_gpu = r.tokens_per_s / gpus;
  r.model_flops_per_token = c.lora() ? LoraFlopsPerToken(m, c) : ModelFlopsPerToken(m, c.seq);
  r.model_tflops_per_gpu = r.model_flops_per_token * r.tokens_per_s_per_gpu * 1e-12;
  r.mfu = r.model_tflops_per_gpu / ToTflops(ctx.cluster.chip.peak(Precision::kBf16));
  const bool full = c.recompute == Recompute::kFull;
  const double hardware_flops =
      c.lora() ? LoraFlopsPerToken(m, c, full) : ModelFlopsPerToken(m, c.seq, full);
  r.hardware_tflops_per_gpu = hardware_flops * r.tokens_per_s_per_gpu * 1e-12;
  r.trainable_parameters = c.lora() ? LoraParameters(m, c) : TotalParameters(m);
  r.bottleneck = Bottleneck(b, r.step_time);
  if (r.memory.total > r.memory.capacity) {
    r.fits = Feasibility::No(fmt::format(
        "needs {:.1f} GiB per GPU, have {:.1f} GiB (weights {:.1f}, gradients {:.1f}, optimizer "
        "{:.1f}, activations {:.1f}, buffers {:.1f} GiB); {}",
        ToGiB(r.memory.total), ToGiB(r.memory.capacity), ToGiB(r.memory.weights),
        ToGiB(r.memory.gradients), ToGiB(r.memory.optimizer), ToGiB(r.memory.activations),
        ToGiB(r.memory.buffers), MemoryHint(c)));
  } else if (r.memory.host > r.memory.host_capacity) {
    r.fits = Feasibility::No(fmt::format(
        "offloaded state needs {:.1f} GiB of host memory per GPU, have {:.1f} GiB; offload less "
        "or shard it over more GPUs (ZeRO, PP, TP)",
        ToGiB(r.memory.host), ToGiB(r.memory.host_capacity)));
  }
  return r;
}

RunTime EstimateRunTime(const TrainResult& r, const RunSchedule& s) {
  RunTime t;
  const TrainingConfig& c = r.config;
  t.steps = static_cast<int>(std::ceil(s.train_samples / c.gbs));
  t.training = r.step_time * static_cast<double>(t.steps);
  if (s.eval_every_samples > 0 && s.eval_samples > 0) {
    const double first = s.eval_start_samples > 0 ? s.eval_start_samples : s.eval_every_samples;
    if (s.train_samples >= first) {
      t.evaluations =
          1 + static_cast<int>(std::floor((s.train_samples - first) / s.eval_every_samples + 1e-9));
    }
    // Forward-only passes over the DP replicas, micro-batch by micro-batch, the pipeline filled
    // once per evaluation.
    const double batches = std::ceil(s.eval_samples / (static_cast<double>(c.dp) * c.mbs));
    const Seconds pass = r.forward_microbatch * (batches + c.pp - 1.0);
    t.evaluation = pass * static_cast<double>(t.evaluations);
  }
  t.startup = s.startup;
  t.total = t.startup + t.training + t.evaluation;
  return t;
}

}  // namespace tokenfab
