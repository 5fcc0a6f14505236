// A cluster: `gpus` chips in systems of one kind, joined by one scale-out fabric, with the
// efficiency profile of the chip family. Plain value; thread-safe.
#ifndef TOKENFAB_HW_CLUSTER_H_
#define TOKENFAB_HW_CLUSTER_H_

#include "tokenfab/hw/hw.h"

namespace tokenfab {

struct Cluster {
  Chip chip;
  System system;
  Fabric fabric;
  EfficiencyProfile efficiency;
  int gpus = 8;
};

}  // namespace tokenfab

#endif  // TOKENFAB_HW_CLUSTER_H_
