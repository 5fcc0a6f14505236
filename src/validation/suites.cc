// The table of validation suites. Each suite lives in its own <name>_suite.cc.
#include "tokenfab/validation/validation.h"

namespace tokenfab {

const std::vector<SuiteInfo>& Suites() {
  static const std::vector<SuiteInfo> kSuites = {
  };
  return kSuites;
}

}  // namespace tokenfab
