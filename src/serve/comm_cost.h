// Internal: collective times for the serving model, on the comm/ model of NCCL (algorithm and
// protocol chosen as NCCL would) with the group placed on the topology. Thread-safe.
#ifndef TOKENFAB_SRC_SERVE_COMM_COST_H_
#define TOKENFAB_SRC_SERVE_COMM_COST_H_

#include <array>
#include <cstdint>
#include <cstring>

#include "tokenfab/comm/collective.h"

namespace tokenfab::serve_internal {

// A group of `ranks` GPUs whose members are `stride` global ranks apart (TP innermost).
GroupPlacement PlaceConsecutive(const Topology& topo, int ranks, int stride);

// Time of one collective; `bytes` follows EstimateCollective's convention. A single rank is free.
Seconds CollectiveSeconds(const Topology& topo, CollectiveOp op, Bytes bytes,
                          const GroupPlacement& group);

// The collective times one IterationModel has asked for, by operation and token count: a serving
// simulation asks for the same few thousand token counts millions of times, and one NCCL
// estimate (algorithm x protocol selection) costs more than the rest of an iteration. A
// direct-mapped table of exact keys, so a hit returns the very value a miss computes. 64 slots
// per operation: a --pareto search builds one IterationModel per evaluated configuration, each
// allocating and clearing its tables, and at 256 slots clearing them was 13% of the DeepSeek-V3
// 2,304-GPU search (bench BM_ServePareto_DeepSeekV3_GB200/2304: median 479 -> 418 ms at 64) with
// no loss to the simulator (BM_ServeSimulate: 294k -> 292k requests/s, within noise).
class CollectiveMemo {
 public:
  enum Op { kAllReduce, kAllToAll, kSend, kOps };
  template <typename F>
  Seconds Get(Op op, double tokens, F compute) {
    Slot& s = slots_[op][Index(tokens)];
    if (s.tokens != tokens) s = {tokens, compute()};
    return s.time;
  }

 private:
  static constexpr int kSlots = 64;
  struct Slot {
    double tokens = -1;
    Seconds time;
  };
  static size_t Index(double tokens) {
    uint64_t bits;
    std::memcpy(&bits, &tokens, sizeof bits);
    return static_cast<size_t>((bits * 0x9E3779B97F4A7C15ull) >> 56) % kSlots;  // Fibonacci hash
  }
  std::array<std::array<Slot, kSlots>, kOps> slots_;
};

// The attention-free part of an iteration (every kernel but attention over the context: GEMMs,
// norms, router, collectives, LM head, drafts) depends only on the token counts, not on the
// contexts, which grow every step of a simulation. Memoised by exact token counts, as above (and
// sized as above).
template <typename Value>
class TokenPartMemo {
 public:
  using Key = std::array<double, 4>;
  template <typename F>
  const Value& Get(const Key& key, F compute) {
    Slot& s = slots_[Index(key)];
    if (!s.used || s.key != key) s = {true, key, compute()};
    return s.value;
  }

 private:
  static constexpr int kSlots = 64;
  struct Slot {
    bool used = false;
    Key key{};
    Value value{};
  };
  static size_t Index(const Key& key) {
    uint64_t h = 0;
    for (double d : key) {
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      h = (h ^ bits) * 0x9E3779B97F4A7C15ull;  // Fibonacci hashing of each word
    }
    return static_cast<size_t>(h >> 56) % kSlots;
  }
  std::array<Slot, kSlots> slots_;
};

}  // namespace tokenfab::serve_internal

#endif  // TOKENFAB_SRC_SERVE_COMM_COST_H_
