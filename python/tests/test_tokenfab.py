"""The Python API answers through the same library as the CLI and returns plain dicts."""

import json
import math
import os
import subprocess

import pytest

import tokenfab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_train_returns_the_result_and_its_scenario():
    r = tokenfab.train(model="llama-3.1-8b", system="dgx-h100", gpus=8, tp=1, pp=1, cp=1, mbs=1)
    assert r["fits"] is True
    # tokens/s = tokens per step / step time (the report's definition).
    assert math.isclose(r["tokens_per_s"], r["tokens_per_step"] / r["step_time_s"], rel_tol=1e-9)
    assert r["config"]["tp"] == 1
    assert r["scenario"]["command"] == "train"
    assert r["scenario"]["cluster"]["gpus"] == 8


def test_keywords_named_like_a_section_are_settings():
    # software= is --software (also the name of the scenario's software section): the 2021 stack
    # lacks flash attention and overlap, so the same plan runs slower than on the newest stack.
    old = tokenfab.train(model="llama-3.1-8b", system="dgx-h100", gpus=8, tp=1, pp=1, cp=1, mbs=1,
                         software="megatron-lm-2021")
    new = tokenfab.train(model="llama-3.1-8b", system="dgx-h100", gpus=8, tp=1, pp=1, cp=1, mbs=1)
    assert old["scenario"]["software"]["software"] == "megatron-lm-2021"
    assert old["step_time_s"] > new["step_time_s"]


def test_run_replays_a_result_scenario_exactly():
    first = tokenfab.serve(model="llama-3.1-8b", system="dgx-h100", gpus=8, isl=1024, osl=128,
                           tp=1, batch=16)
    again = tokenfab.run(first["scenario"])
    assert again == first


def test_a_scenario_file_answers_like_the_cli(tmp_path):
    saved = tmp_path / "q.yaml"
    cli = os.path.join(ROOT, "build", "tokenfab")
    if not os.path.exists(cli):
        pytest.skip("the CLI is not built in build/")
    out = subprocess.run([cli, "collective", "--system", "dgx-h100", "--gpus", "16", "--op",
                          "all_reduce", "-b", "1M", "-e", "16M", "--format", "json",
                          "--save-scenario", str(saved)], check=True, capture_output=True,
                         text=True).stdout
    assert tokenfab.run(saved) == json.loads(out)


def test_sweep_rows_feed_a_dataframe(tmp_path):
    rows = tokenfab.sweep(os.path.join(ROOT, "tests", "sweep", "small.yaml"),
                          out=str(tmp_path / "small"))
    assert isinstance(rows, list) and rows
    keys = set(rows[0])
    assert all(set(r) == keys for r in rows)  # uniform rows: pandas.DataFrame(rows) is a table
    assert "step_time_s" in keys


def test_bad_input_raises_with_location_key_and_hint():
    with pytest.raises(tokenfab.InputError) as e:
        tokenfab.train(model="llama-3.1-8b", system="dgx-h10", gpus=8)
    assert e.value.key == "system"
    assert "dgx-h100" in e.value.hint


def test_bad_scenario_file_names_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("command: train\ncluster:\n  gpu: 8\n")
    with pytest.raises(tokenfab.InputError) as e:
        tokenfab.run(bad)
    assert e.value.line == 3 and e.value.key == "cluster.gpu"
    assert "gpus" in e.value.hint


def test_every_cli_command_is_reachable():
    assert set(tokenfab.commands()) >= {"train", "serve", "collective", "compare", "factory",
                                         "sweep", "pipeline", "catalog", "validate"}


def test_multi_turn_serving_reports_kv_tiers():
    r = tokenfab.serve(model="llama-3.1-70b", system="gh200-nvl32", gpus=8, tp=8, isl=2000,
                       osl=200, turns=16, think_time=120, batch=32)
    tiers = r["multi_turn"]["tiers"]
    assert math.isclose(sum(t["hit_rate"] for t in tiers.values()), 1.0, rel_tol=1e-9)
    assert tiers["host"]["hit_rate"] > 0  # idle sessions overflow HBM into Grace memory
    assert r["scenario"]["workload"]["turns"] == 16
    assert tokenfab.run(r["scenario"]) == r


def test_pipeline_simulates_a_rag_service():
    r = tokenfab.pipeline(os.path.join(ROOT, "examples", "pipelines", "rag.yaml"), requests=200)
    assert [s["name"] for s in r["stages"]] == ["embed", "rerank", "generate"]
    assert r["stages"][1]["calls"] == 20 * r["stages"][0]["calls"]
    assert r["goodput_requests_per_s"] > 0 and r["tokens_per_joule"] > 0
    assert r["scenario"]["command"] == "pipeline"
    for s in r["stages"]:  # Little's law on every stage
        little = s["little"]
        assert abs(little["mean_in_stage"] - little["lambda_w"]) <= 1e-6 * little["lambda_w"]


def test_pipeline_bad_file_names_its_line_and_key():
    with pytest.raises(tokenfab.InputError) as e:
        tokenfab.pipeline(os.path.join(ROOT, "tests", "golden", "pipeline_bad_key.yaml"))
    assert e.value.key == "edges[0].fanot"
    assert e.value.line == 15
    assert "fanout" in e.value.hint
