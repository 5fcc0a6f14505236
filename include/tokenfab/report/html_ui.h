// The page of `tokenfab ui`: one form per command, built from catalog names, posting to /run.
// Pure HTML (no script), under the same Content-Security-Policy as the reports plus
// form-action 'self'. Pure functions; thread-safe.
//
// Example:
//   UiForm f{"factory", "Size a factory", {{"--system", "system", {"dgx-h100"}, false, ""}}};
//   std::string page = RenderConfiguratorPage({f});
#ifndef TOKENFAB_REPORT_HTML_UI_H_
#define TOKENFAB_REPORT_HTML_UI_H_

#include <string>
#include <vector>

namespace tokenfab {

struct UiField {
  std::string flag;                  // "--model"; also the form field's name
  std::string label;                 // with the unit
  std::vector<std::string> choices;  // a <select> when not empty (first = default)
  bool is_switch = false;            // a checkbox for a flag without value (--pareto)
  std::string placeholder;           // the default shown in an empty text field
};

struct UiForm {
  std::string command;
  std::string title;
  std::vector<UiField> fields;
};

std::string RenderConfiguratorPage(const std::vector<UiForm>& forms);

}  // namespace tokenfab

#endif  // TOKENFAB_REPORT_HTML_UI_H_
