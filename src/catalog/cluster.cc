#include "tokenfab/catalog/cluster.h"

#include <fmt/format.h>

#include "tokenfab/base/error.h"

namespace tokenfab {

Cluster BuildCluster(const Catalog& catalog, std::string_view system_name_or_path,
                     std::string_view fabric_name, int gpus) {
  Cluster c;
  c.system = catalog.ResolveSystem(system_name_or_path, "--system");
  c.chip = catalog.ResolveChip(c.system.chip, "chip");
  c.fabric =
      catalog.fabric(fabric_name.empty() ? c.system.default_fabric : fabric_name, "--fabric");
  c.efficiency = catalog.efficiency(c.chip.family);
  if (gpus <= 0) {
    throw InputError({"<command line>", 0, 0}, "--gpus",
                     fmt::format("expected a positive GPU count, got {}", gpus));
  }
  c.gpus = gpus;
  return c;
}

}  // namespace tokenfab
