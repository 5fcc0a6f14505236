#include "tokenfab/report/verify.h"

#include <cmath>

#include "tokenfab/base/check.h"

namespace tokenfab {
namespace {

// A printed quantity: finite and >= 0.
void NonNegative(const char* what, const char* field, double v) {
  TOKENFAB_CHECK(std::isfinite(v) && v >= 0) << what << "." << field << " = " << v;
}
void NonNegative(const char* what, const char* field, Seconds v) {
  NonNegative(what, field, v.si());
}
void NonNegative(const char* what, const char* field, Bytes v) { NonNegative(what, field, v.si()); }
void NonNegative(const char* what, const char* field, Watts v) { NonNegative(what, field, v.si()); }
void NonNegative(const char* what, const char* field, Dollars v) {
  NonNegative(what, field, v.si());
}

void NonNegative(const char* what, const char* field, const LatencyStats& s) {
  for (Seconds t : {s.mean, s.p50, s.p90, s.p99}) NonNegative(what, field, t);
}

}  // namespace

void Verify(const TrainResult& r) {
  constexpr const char* k = "TrainResult";
  NonNegative(k, "step_time", r.step_time);
  const StepBreakdown& b = r.breakdown;
  for (const auto& [name, v] : {std::pair{"compute", b.compute},
                                {"recompute", b.recompute},
                                {"tp_comm", b.tp_comm},
                                {"cp_comm", b.cp_comm},
                                {"ep_comm", b.ep_comm},
                                {"pp_comm", b.pp_comm},
                                {"pipeline_bubble", b.pipeline_bubble},
                                {"dp_comm", b.dp_comm},
                                {"optimizer", b.optimizer},
                                {"overlap_slowdown", b.overlap_slowdown},
                                {"loss_scaling", b.loss_scaling},
                                {"offload", b.offload}}) {
    NonNegative(k, name, v);
  }
  const MemoryBreakdown& m = r.memory;
  for (const auto& [name, v] : {std::pair{"weights", m.weights},
                                {"gradients", m.gradients},
                                {"optimizer", m.optimizer},
                                {"activations", m.activations},
                                {"buffers", m.buffers},
                                {"total", m.total},
                                {"capacity", m.capacity},
                                {"host", m.host},
                                {"host_capacity", m.host_capacity}}) {
    NonNegative(k, name, v);
  }
  NonNegative(k, "tokens_per_step", r.tokens_per_step);
  NonNegative(k, "tokens_per_s", r.tokens_per_s);
  NonNegative(k, "tokens_per_s_per_gpu", r.tokens_per_s_per_gpu);
  NonNegative(k, "model_flops_per_token", r.model_flops_per_token);
  NonNegative(k, "model_tflops_per_gpu", r.model_tflops_per_gpu);
  NonNegative(k, "mfu", r.mfu);
  NonNegative(k, "hardware_tflops_per_gpu", r.hardware_tflops_per_gpu);
}

void Verify(const ServingPoint& p) {
  constexpr const char* k = "ServingPoint";
  NonNegative(k, "output_tokens_per_s", p.output_tokens_per_s);
  NonNegative(k, "output_tokens_per_s_per_gpu", p.output_tokens_per_s_per_gpu);
  NonNegative(k, "tokens_per_s_per_user", p.tokens_per_s_per_user);
  NonNegative(k, "ttft", p.ttft);
  NonNegative(k, "tpot", p.tpot);
  NonNegative(k, "e2e", p.e2e);
  NonNegative(k, "max_batch", p.max_batch);
  NonNegative(k, "gpus_used", p.gpus_used);
  NonNegative(k, "memory.weights", p.memory.weights);
  NonNegative(k, "memory.activations", p.memory.activations);
  NonNegative(k, "memory.kv_cache", p.memory.kv_cache);
  const IterationBreakdown& b = p.decode_iteration;
  for (const auto& [name, v] : {std::pair{"weights", b.weights},
                                {"kv", b.kv},
                                {"activations", b.activations},
                                {"compute", b.compute},
                                {"comm", b.comm},
                                {"overhead", b.overhead},
                                {"host", b.host}}) {
    NonNegative(k, name, v);
  }
  NonNegative(k, "kv_transfer", p.kv_transfer);
}

void Verify(const ParetoResult& r) {
  for (const ServingPoint& p : r.frontier) Verify(p);
}

void Verify(const SimulationResult& r) {
  constexpr const char* k = "SimulationResult";
  for (const auto& [name, s] : {std::pair{"ttft", r.ttft}, {"tpot", r.tpot}, {"e2e", r.e2e}}) {
    NonNegative(k, name, s);
  }
  NonNegative(k, "output_tokens_per_s", r.output_tokens_per_s);
  NonNegative(k, "output_tokens_per_s_per_gpu", r.output_tokens_per_s_per_gpu);
  NonNegative(k, "requests_per_s", r.requests_per_s);
  NonNegative(k, "goodput_requests_per_s", r.goodput_requests_per_s);
  NonNegative(k, "mean_running_batch", r.mean_running_batch);
  NonNegative(k, "makespan", r.makespan);
}

void Verify(const CollectiveResult& r) {
  constexpr const char* k = "CollectiveResult";
  NonNegative(k, "time", r.time);
  NonNegative(k, "algbw_gbps", r.algbw_gbps);
  NonNegative(k, "busbw_gbps", r.busbw_gbps);
}

void Verify(const FacilityResult& r) {
  constexpr const char* k = "FacilityResult";
  NonNegative(k, "pue", r.pue);
  NonNegative(k, "node_power", r.node_power.total());
  NonNegative(k, "switch_power", r.switch_power);
  NonNegative(k, "it_power", r.it_power);
  NonNegative(k, "facility_power", r.facility_power);
  NonNegative(k, "average_facility_power", r.average_facility_power);
  for (const auto& [name, v] : {std::pair{"capex_systems", r.capex_systems},
                                {"capex_network", r.capex_network},
                                {"capex_facility", r.capex_facility},
                                {"capex", r.capex},
                                {"opex_electricity_per_year", r.opex_electricity_per_year},
                                {"opex_maintenance_per_year", r.opex_maintenance_per_year},
                                {"opex_per_year", r.opex_per_year},
                                {"capex_per_year", r.capex_per_year}}) {
    NonNegative(k, name, v);
  }
  NonNegative(k, "tco_usd_per_gpu_hour", r.tco_usd_per_gpu_hour);
  NonNegative(k, "usd_per_million_tokens", r.usd_per_million_tokens);
  NonNegative(k, "tokens_per_mw_year", r.tokens_per_mw_year);
}

void Verify(const CampaignResult& r) {
  constexpr const char* k = "CampaignResult";
  NonNegative(k, "steps", r.steps);
  NonNegative(k, "ideal_time", r.ideal_time);
  NonNegative(k, "ideal_gpu_hours", r.ideal_gpu_hours);
  if (!r.feasible.ok) return;
  NonNegative(k, "expected_time", r.expected_time);
  NonNegative(k, "ettr", r.ettr);
  NonNegative(k, "expected_gpu_hours", r.expected_gpu_hours);
  NonNegative(k, "energy", r.energy.si());
  NonNegative(k, "cost", r.cost);
  NonNegative(k, "energy_cost", r.energy_cost);
  NonNegative(k, "mtti", r.mtti);
  NonNegative(k, "expected_interruptions", r.expected_interruptions);
  NonNegative(k, "checkpoint_write", r.checkpoint_write);
  NonNegative(k, "checkpoint_restore", r.checkpoint_restore);
  NonNegative(k, "checkpoint_interval", r.checkpoint_interval);
}

void Verify(const PipelineResult& r) {
  constexpr const char* k = "PipelineResult";
  NonNegative(k, "requests_per_s", r.requests_per_s);
  NonNegative(k, "goodput_requests_per_s", r.goodput_requests_per_s);
  NonNegative(k, "attainment", r.attainment);
  NonNegative(k, "tokens_per_joule", r.tokens_per_joule);
  NonNegative(k, "tokens_per_dollar", r.tokens_per_dollar);
  NonNegative(k, "horizon", r.horizon);
  for (const ClassStats& c : r.classes) NonNegative(k, "classes.e2e", c.e2e);
  for (const StageStats& s : r.stages) {
    NonNegative(k, "stages.latency", s.latency);
    NonNegative(k, "stages.utilisation", s.utilisation);
    NonNegative(k, "stages.mean_in_stage", s.mean_in_stage);
    NonNegative(k, "stages.mean_queue", s.mean_queue);
  }
}

}  // namespace tokenfab
