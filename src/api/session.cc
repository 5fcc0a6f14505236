#include "session.h"

#include <map>
#include <memory>
#include <mutex>

namespace tokenfab::api {

const Catalog& CatalogOf(const Scenario& scenario) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<const Catalog>> loaded;
  const std::string dir = scenario.settings().GetString("--data", Catalog::DefaultDataDir());
  std::lock_guard<std::mutex> lock(mu);
  auto it = loaded.find(dir);
  if (it == loaded.end()) {
    it = loaded.emplace(dir, std::make_unique<const Catalog>(Catalog::Load(dir))).first;
  }
  return *it->second;
}

}  // namespace tokenfab::api
