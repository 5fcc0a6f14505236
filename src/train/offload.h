// Internal to the train module: host offload of training state (TrainingConfig::offload), its
// memory on the GPU and the host, and its time on the host link and the host CPU.
//
// Memory (per GPU, one pipeline stage):
//   optimizer:   the optimizer state (FP32 master, Adam m and v) moves to the host, with an FP32
//                gradient buffer of the shard (DeepSpeed's CPU gradient partition); under ZeRO-2/3
//                the GPU keeps only two reduction buckets of gradients (ZeRO-Offload sec. 4.1,
//                DeepSpeed reduce_bucket_size 5e8 elements, double-buffered).
//   params:      the BF16 weight shard (ZeRO-3) moves to the host; the gathered working set is
//                the ZeRO-3 prefetch buffer already counted in buffers (ZeRO-Infinity sec. 5).
//   activations: the saved activations in flight move to the host; the GPU keeps two layers of
//                one micro-batch (the one computing and the one in transfer).
// Time, on the host link at HostMemory::transfer_bandwidth() per direction (min of link and DRAM):
//   per micro-batch forward:  host->device weight fetch, device->host activations;
//   per micro-batch backward: host->device weight fetch and activations, device->host gradients
//                             (every micro-batch under ZeRO-2/3, the last one otherwise);
//   each direction overlaps the pass it serves (prefetch / async copy, ZeRO-Infinity sec. 6.2,
//   "overlap-centric design"); the exposed part is max(0, transfer - pass) per direction.
//   CPU Adam: memory-bound on host DRAM, 30 B per trained parameter of the shard (read FP32
//   master, gradient, m, v; write master, m, v and the BF16 copy) at kCpuAdamDramEfficiency of
//   the GPU's DRAM share; pipelined with the host->device copy of the updated BF16 shard
//   (ZeRO-Offload sec. 5.1, Algorithm 1 line 15: chunked copy-back): tail = max(Adam, copy).
//   The tail is exposed (sync), hidden behind the next step's passes (delayed, DPU), or behind
//   the last micro-batch's backward (speculative, SuperOffload STV).
#ifndef TOKENFAB_SRC_TRAIN_OFFLOAD_H_
#define TOKENFAB_SRC_TRAIN_OFFLOAD_H_

#include "memory.h"
#include "tokenfab/hw/hw.h"
#include "tokenfab/train/train.h"

namespace tokenfab::train_internal {

// CPU Adam reaches about half of the host's DRAM peak. Source: ZeRO-Offload Table 4 (CPU-Adam on
// the DGX-2's two Xeon Platinum 8168, 12 channels of DDR4-2666 = 256 GB/s): 0.22 s for 1B
// parameters and 2.57 s for 10B, i.e. 3.9-4.5 G parameters/s x 30 B = 117-136 GB/s, 0.46-0.53 of
// peak (values recalled from the paper's table, status unconfirmed). Assumption: Grace's
// GraceAdam (SuperOffload sec. 4.5) reaches the same fraction of LPDDR5X.
inline constexpr double kCpuAdamDramEfficiency = 0.5;
// Bytes of host DRAM traffic per trained parameter of one CPU Adam step (see above).
inline constexpr double kCpuAdamBytesPerParam = 30.0;
// DeepSpeed's default reduce_bucket_size (elements); ZeRO-2 double-buffers it on the GPU.
inline constexpr double kReduceBucketElements = 5e8;

// Moves the offloaded state of `mem` (the plain breakdown of stage `s`) to mem.host.
// `in_flight_activations` is the activations term without the full-recompute rematerialisation
// buffer; `layer_activations` one layer of one micro-batch.
void ApplyOffloadMemory(const TrainingConfig& c, double in_flight_activations,
                        double layer_activations, MemoryBreakdown& mem);

struct OffloadTime {
  Seconds exposed;   // transfers and CPU step not hidden
  Seconds cpu_step;  // CPU Adam of one step (hidden or not)
};
// `params` are the stage's weights on this GPU before ZeRO sharding, `trained_shard` the
// trained parameters whose optimizer this GPU's host steps, `activation_bytes` the saved
// activations of one micro-batch of the stage, `forward`/`backward` one micro-batch's passes.
OffloadTime EstimateOffload(const HostMemory& host, const TrainingConfig& c, double weight_shard,
                            double trained_shard, double activation_bytes, Seconds forward,
                            Seconds backward);

}  // namespace tokenfab::train_internal

#endif  // TOKENFAB_SRC_TRAIN_OFFLOAD_H_
