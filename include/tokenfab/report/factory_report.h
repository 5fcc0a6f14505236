// Renderers of a sized factory (factory/site.h): the text report (sizing, power per node, IT and
// facility power, reliability of a site-wide job, capex/opex/TCO, price dates) and JSON (SI
// numbers, unit in the key). Pure functions of the result struct; thread-safe.
#ifndef TOKENFAB_REPORT_FACTORY_REPORT_H_
#define TOKENFAB_REPORT_FACTORY_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tokenfab/factory/site.h"

namespace tokenfab {

std::string RenderFactoryText(const FactorySite& site);
nlohmann::json FactorySiteToJson(const FactorySite& site);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_FACTORY_REPORT_H_
