// Builds a Cluster from catalog names (or files): the system's chip, its default fabric unless
// one is named, the chip family's efficiency profile, and the GPU count. Throws InputError with
// the flag as key for unknown names and for a GPU count that is not positive. Thread-safe.
//
// Example:
//   Cluster c = BuildCluster(catalog, "dgx-h100", "", 16384);
#ifndef TOKENFAB_CATALOG_CLUSTER_H_
#define TOKENFAB_CATALOG_CLUSTER_H_

#include <string_view>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/hw/cluster.h"

namespace tokenfab {

Cluster BuildCluster(const Catalog& catalog, std::string_view system_name_or_path,
                     std::string_view fabric_name, int gpus);

}  // namespace tokenfab

#endif  // TOKENFAB_CATALOG_CLUSTER_H_
