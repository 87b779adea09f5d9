"""The DVC graph says what the code does (see tests/dvc_graph.py): complete deps, the params
registry, outputs that are artifacts; and each check fails when the graph drifts."""

import copy

import pytest

from equime.runtime import STAGE_PARAMS
from tests.dvc_graph import (
    artifact_paths,
    extra_deps,
    load_dvc,
    missing_deps,
    non_artifact_outputs,
    params_mismatch,
    stage_body,
)

STAGES = load_dvc()


def test_every_stage_has_a_script_and_a_registry_entry():
    assert sorted(STAGES) == sorted(STAGE_PARAMS)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_deps_cover_the_script_every_module_it_imports_and_their_data(name):
    assert missing_deps(name, STAGES[name]) == []


@pytest.mark.parametrize("name", sorted(STAGES))
def test_deps_list_no_source_the_stage_does_not_use(name):
    assert extra_deps(name, STAGES[name]) == []


@pytest.mark.parametrize("name", sorted(STAGES))
def test_params_lists_equal_the_registry(name):
    assert params_mismatch(name, STAGES[name]) == []


@pytest.mark.parametrize("name", sorted(STAGES))
def test_outputs_are_artifacts_the_script_writes(name):
    assert non_artifact_outputs(name, STAGES[name]) == []


def _without(name: str, section: str, item: str) -> dict:
    stage = copy.deepcopy(STAGES[name])
    body = stage_body(stage)
    body[section] = [d for d in body[section] if d != item]
    return stage


def test_removing_a_dep_or_a_key_is_caught():
    assert missing_deps("generate", _without("generate", "deps", "src/equime/plan/observed.py")) == [
        "src/equime/plan/observed.py (equime.plan.observed)"]
    assert missing_deps("summarize", _without("summarize", "deps", "src/equime/data/paper_table2.csv")
                        ) == ["src/equime/data/paper_table2.csv (read by equime.quality.summarize)"]
    assert missing_deps("plan", _without("plan", "deps", "stages/plan.py")) == [
        "stages/plan.py (as the first dep)"]
    assert params_mismatch("train", _without("train", "params", "baselines.epochs")) == [
        "registry only: baselines.epochs"]
    extra = copy.deepcopy(STAGES["filter"])
    extra["params"].append("filter.extra")
    assert params_mismatch("filter", extra) == ["dvc.yaml only: filter.extra"]


def test_an_output_that_is_no_artifact_is_caught():
    stage = copy.deepcopy(STAGES["quality"])
    stage["outs"].append("data/elsewhere")
    stage["metrics"] = [{"metrics/other.json": {"cache": False}}]
    assert non_artifact_outputs("quality", stage) == [
        "data/elsewhere (no artifact module declares it)", "data/elsewhere (not passed to the script)",
        "metrics/other.json (not the script's --metrics)"]
    assert "data/videos" in artifact_paths() and "data/baselines/${key}" in artifact_paths()
