// The documented bounds of tokenfab's inputs (docs/inputs.md): sizes that grow the work and
// counts whose products must stay representable. Readers of flags and files check them before
// any model runs and refuse with an InputError that names the limit and how to go past it.
#ifndef TOKENFAB_BASE_LIMITS_H_
#define TOKENFAB_BASE_LIMITS_H_

#include <cstdint>

namespace tokenfab::limits {

// GPUs in one cluster: 10M is ~100x the largest announced (2025) AI factory; products of
// degrees up to this bound fit comfortably in 64 bits.
inline constexpr int kMaxGpus = 10'000'000;
// Any single parallel degree (TP, PP, CP, EP, DP, VPP) cannot exceed the GPU count.
inline constexpr int kMaxDegree = kMaxGpus;
// Transformer layers of a model (the deepest published models have ~200).
inline constexpr int kMaxLayers = 10'000;
// Micro-batch and global batch, in sequences.
inline constexpr int kMaxMicroBatch = 1 << 20;
inline constexpr int kMaxGlobalBatch = 1 << 24;
// Sequence length and per-request token counts (16M tokens).
inline constexpr int kMaxSequence = 1 << 24;
// Worker threads of the searches (more than the CPUs is no faster).
inline constexpr int kMaxThreads = 1024;
// Requests of one simulation (each holds ~100 bytes of state).
inline constexpr int kMaxRequests = 10'000'000;
// Points of one sweep file (each is a full search, ~10 ms).
inline constexpr int64_t kMaxSweepPoints = 1'000'000;
// Simulated time the event queue represents: int64 nanoseconds hold +-292 years; inputs are
// refused past 100 years so that sums of durations stay representable.
inline constexpr double kMaxSimulatedSeconds = 100.0 * 365.25 * 86400.0;
// Values read from a YAML file, aliases expanded (a "billion laughs" file is refused).
inline constexpr int64_t kMaxYamlNodes = 1'000'000;

}  // namespace tokenfab::limits

#endif  // TOKENFAB_BASE_LIMITS_H_
