// The `tokenfab` Python module's native part: the same library entry point as the CLI
// (api::RunScenario), answering a scenario given as JSON text or a file, in JSON. Bad input
// raises tokenfab.InputError carrying file, line, column, key, message and hint (python/tokenfab).
#include <pybind11/pybind11.h>

#include <sstream>

#include "tokenfab/api/api.h"
#include "tokenfab/base/error.h"

namespace py = pybind11;

namespace {

// Answers `s` in JSON; returns (exit code, output text).
py::tuple Answer(tokenfab::Scenario s) {
  s.mutable_settings().Set("--format", "json");
  std::ostringstream out;
  const int rc = tokenfab::api::RunScenario(s, out);
  return py::make_tuple(rc, out.str());
}

}  // namespace

PYBIND11_MODULE(_tokenfab, m) {
  m.doc() = "tokenfab native module; use the `tokenfab` package";
  static py::exception<tokenfab::InputError> input_error(m, "NativeInputError");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tokenfab::InputError& e) {
      py::tuple args = py::make_tuple(e.where().file, e.where().line, e.where().column, e.key(),
                                      e.message(), e.hint(), tokenfab::FormatInputError(e));
      PyErr_SetObject(input_error.ptr(), args.ptr());
    }
  });
  m.def(
      "run_text",
      [](const std::string& text, const std::string& label) {
        return Answer(tokenfab::api::ScenarioFromJsonText(text, label));
      },
      py::arg("text"), py::arg("label"),
      "Answers a scenario given as YAML or JSON text; returns (exit code, JSON text).");
  m.def(
      "run_file", [](const std::string& path) { return Answer(tokenfab::api::LoadScenario(path)); },
      py::arg("path"), "Answers a scenario file; returns (exit code, JSON text).");
  m.def("commands", [] {
    py::list names;
    for (const tokenfab::api::Command& c : tokenfab::api::Commands()) names.append(c.name);
    return names;
  });
}
