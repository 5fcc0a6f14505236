#include "tokenfab/report/html_ui.h"

#include <fmt/format.h>

#include "tokenfab/report/html_report.h"
#include "tokenfab/report/svg_chart.h"

namespace tokenfab {
namespace {

std::string Field(const std::string& command, const UiField& f) {
  const std::string id = HtmlEscape(command + f.flag);
  std::string control;
  if (f.is_switch) {
    control = fmt::format("<input type=\"checkbox\" id=\"{}\" name=\"{}\" value=\"on\">", id,
                          HtmlEscape(f.flag));
  } else if (!f.choices.empty()) {
    control = fmt::format("<select id=\"{}\" name=\"{}\">", id, HtmlEscape(f.flag));
    for (const std::string& c : f.choices) {
      control += fmt::format("<option value=\"{0}\">{0}</option>", HtmlEscape(c));
    }
    control += "</select>";
  } else {
    control = fmt::format("<input type=\"text\" id=\"{}\" name=\"{}\" placeholder=\"{}\">", id,
                          HtmlEscape(f.flag), HtmlEscape(f.placeholder));
  }
  return fmt::format("<div><label for=\"{}\">{} <code>{}</code></label> {}</div>\n", id,
                     HtmlEscape(f.label), HtmlEscape(f.flag), control);
}

}  // namespace

std::string RenderConfiguratorPage(const std::vector<UiForm>& forms) {
  std::string page = HtmlHead("tokenfab configurator", "form-action 'self'");
  page +=
      "<body><h1>tokenfab configurator</h1><p>Each form builds the same flags as the CLI and "
      "shows the same page as <code>--html</code>. Empty fields take the CLI's defaults (or are "
      "searched, for train's parallelism).</p>\n";
  for (const UiForm& f : forms) {
    page += fmt::format(
        "<form id=\"form-{0}\" method=\"post\" action=\"/run\"><fieldset><legend>{1} "
        "(<code>tokenfab {0}</code>)</legend><input type=\"hidden\" name=\"command\" "
        "value=\"{0}\">\n",
        HtmlEscape(f.command), HtmlEscape(f.title));
    for (const UiField& field : f.fields) page += Field(f.command, field);
    page += fmt::format("<button type=\"submit\" id=\"run-{}\">Run</button></fieldset></form>\n",
                        HtmlEscape(f.command));
  }
  page +=
      "<form id=\"form-upload\" method=\"post\" action=\"/scenario\" "
      "enctype=\"multipart/form-data\"><fieldset><legend>Answer a saved scenario (<code>tokenfab "
      "run FILE</code>)</legend><div><label for=\"upload-scenario\">scenario file (YAML or JSON, "
      "from <code>--save-scenario</code> or a result page's Download link)</label> <input "
      "type=\"file\" id=\"upload-scenario\" name=\"scenario\" accept=\".yaml,.yml,.json\"></div>"
      "<button type=\"submit\" id=\"run-upload\">Run</button></fieldset></form>\n";
  return page + "</body></html>\n";
}

}  // namespace tokenfab
