// Internal: one record of the inference suite's format (inference-public.json) replayed through
// src/serve, for the suites that reuse those records (software-progression).
#ifndef TOKENFAB_SRC_VALIDATION_INFERENCE_RECORDS_H_
#define TOKENFAB_SRC_VALIDATION_INFERENCE_RECORDS_H_

#include <nlohmann/json.hpp>
#include <vector>

#include "tokenfab/catalog/catalog.h"
#include "tokenfab/validation/validation.h"

namespace tokenfab {

// Appends the cases of `record` under the software release it declares (`software`): a
// TensorRT-LLM static-batch point (a record with `batch`: one GPU group at that batch, isl/osl)
// or an MLPerf Offline/Server row (`scenario`), tagged with their source and serving regime.
// Throws InputError (via the catalog) for an unknown release, model or system.
void AddInferenceRecord(const Catalog& catalog, const nlohmann::json& record,
                        std::vector<ValidationCase>* cases);

}  // namespace tokenfab

#endif  // TOKENFAB_SRC_VALIDATION_INFERENCE_RECORDS_H_
