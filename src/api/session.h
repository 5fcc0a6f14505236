// What the commands of one process share: the catalog, loaded once per data folder. Internal to
// the api module. Thread-safe: the cache is guarded, and a loaded catalog is never changed.
#ifndef TOKENFAB_API_SESSION_H_
#define TOKENFAB_API_SESSION_H_

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/scenario/scenario.h"

namespace tokenfab::api {

// The catalog of the scenario's --data folder (default: Catalog::DefaultDataDir()), loaded on
// first use and kept for the life of the process. Throws InputError from the loader.
const Catalog& CatalogOf(const Scenario& scenario);

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_SESSION_H_
