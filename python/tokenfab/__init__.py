"""tokenfab from Python: the same library as the `tokenfab` command line, returning plain dicts.

Every call builds a Scenario (the whole question), answers it with the C++ library and returns
the JSON result as dicts and lists (keys carry their unit: step_time_s, memory_per_gpu_bytes).
Keyword names are the scenario keys: the command's flags without dashes, '-' written as '_'
(tp_overlap=False is not a thing: switches are True/absent, choices are strings).

    import tokenfab
    r = tokenfab.train(model="llama-3.1-70b", system="dgx-h100", gpus=64)
    r["step_time_s"], r["config"]["tp"], r["scenario"]
    rows = tokenfab.sweep("tests/sweep/small.yaml")       # list of dicts: pandas.DataFrame(rows)

Bad input raises tokenfab.InputError with .file, .line, .column, .key, .message and .hint.
"""

import json
import os

from . import _tokenfab

__all__ = ["InputError", "run", "train", "serve", "collective", "compare", "factory", "sweep",
           "pipeline", "catalog", "validate", "commands"]


class InputError(ValueError):
    """Bad input: where it was written (file, line, column), the key, what was wrong, a hint."""

    def __init__(self, file, line, column, key, message, hint, text):
        super().__init__(text)
        self.file, self.line, self.column = file, line, column
        self.key, self.message, self.hint = key, message, hint


def _answer(call, *args):
    try:
        rc, text = call(*args)
    except _tokenfab.NativeInputError as e:
        raise InputError(*e.args) from None
    # Every command answers with exit code 0 (an infeasible plan is a result with its reason),
    # except validate, whose code 1 says a suite missed its targets; the result says so too.
    del rc
    return json.loads(text) if text.strip() else {}


def _scenario_text(command, settings, words=()):
    scenario = {"tokenfab_scenario": 1, "command": command}
    if words:
        scenario["args"] = [str(w) for w in words]
    for key, value in settings.items():
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        elif value is not True:
            value = str(value)
        scenario[key] = value
    return json.dumps(scenario)


def run(scenario):
    """Answers a scenario: a path to a YAML/JSON scenario file, or a dict in the file's layout."""
    if isinstance(scenario, (str, os.PathLike)):
        return _answer(_tokenfab.run_file, os.fspath(scenario))
    return _answer(_tokenfab.run_text, json.dumps(scenario), "<python dict>")


def _command(name):
    def call(*words, **settings):
        return _answer(_tokenfab.run_text, _scenario_text(name, settings, words),
                       "<python %s()>" % name)
    call.__name__ = name
    call.__doc__ = "tokenfab %s: keyword arguments are its settings (see `tokenfab %s --help`)." % (
        name, name)
    return call


train = _command("train")
serve = _command("serve")
collective = _command("collective")
compare = _command("compare")
factory = _command("factory")
validate = _command("validate")
catalog = _command("catalog")
_sweep = _command("sweep")
_pipeline = _command("pipeline")


def sweep(file, **settings):
    """Best plan per point of a sweep file; a list of row dicts (pandas.DataFrame(rows) works)."""
    return _sweep(os.fspath(file), **settings)


def pipeline(file, **settings):
    """A serving pipeline of many models (a pipeline YAML file, docs/serving.md "Pipelines"): the
    simulation (qps=, requests=, seed= override the file's load), or the allocation search with
    search=True, gpus=N, power_mw=P or rate=R. A dict, with the scenario and the pipeline."""
    return _pipeline(os.fspath(file), **settings)


def commands():
    """The command names the library answers."""
    return list(_tokenfab.commands())
