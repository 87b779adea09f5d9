from pathlib import Path

import pytest
import yaml

from equime.baselines.params import BaselinesParams
from equime.errors import ParamsError
from equime.params import Params, load_params, parse_params
from equime.plan.params import PlanParams
from equime.runtime import Stage
from equime.section import SECTIONS
from tests.fixtures import REPO, default_params_dict, params


def test_repo_params_parse_to_the_seed_format():
    p = load_params(REPO / "params.yaml")
    assert (p.plan.width, p.plan.height, p.plan.fps, p.plan.n_frames) == (512, 512, 24, 144)
    assert p.plan.duration_s == (0.1, 0.45) and p.plan.au_source == "observed"
    assert p.plan.emotions == ("happiness", "sadness", "surprise", "fear", "anger")
    with pytest.raises(Exception, match="frozen"):
        p.plan.fps = 30  # type: ignore[misc]


@pytest.mark.parametrize(("override", "message"), [
    ({"plan.fps": 0}, "params.yaml: plan.fps: Input should be greater than 0 (got 0)"),
    ({"plan.width": 500}, "params.yaml: plan.width: must be a multiple of 32 (got 500)"),
    ({"curate.size": 100}, "params.yaml: curate.size: must be a multiple of 32 (got 100)"),
    ({"plan.duration_s": [0.3, 0.2]}, "params.yaml: plan.duration_s: low end 0.3 is above high end 0.2"),
    ({"plan.intensity": [0.2, 1.5]}, "params.yaml: plan.intensity: must lie within [0.01, 1.0]"),
    ({"plan.clip_seconds": 6.01}, "params.yaml: plan.clip_seconds: 6.01 s at 24 fps is not a whole"),
    ({"plan.apex_window_s": [1.0, 5.95]}, "params.yaml: plan.apex_window_s: ends too late"),
    ({"plan.apex_window_s": [0.01, 5.0]}, "params.yaml: plan.apex_window_s: starts too early"),
    ({"plan.emotions": ["happiness", "joy"]}, "params.yaml: plan.emotions.1: Input should be"),
    ({"plan.emotions": ["anger", "anger"]}, "params.yaml: plan.emotions: lists an emotion twice"),
    ({"plan.prompt_template": "a face"}, "params.yaml: plan.prompt_template: must contain the "
                                         "placeholder {emotion}"),
    ({"generate.crf": 60}, "params.yaml: generate.crf: Input should be less than or equal to 51"),
    ({"generate.fancy": 1}, "params.yaml: generate.fancy: unknown key; remove it or fix its spelling"),
    ({"base.seed": -1}, "params.yaml: base.seed: Input should be greater than or equal to 0"),
    ({"quality.device": "cuda"}, "params.yaml: quality.workers: use 1 with device cuda"),
    ({"filter.max_duration_s": 0}, "params.yaml: filter.max_duration_s: Input should be greater"),
    ({"datasets": {"casme4": {}}}, "params.yaml: datasets.casme4.[key]: Input"),
    ({"plan.au_source": None},
     "params.yaml: plan.au_source: Input should be 'observed', 'paper' or 'emfacs'"),
    ({"plan.motion_source": "casme"}, "params.yaml: plan.motion_source: Input should be 'facs', "
                                      "'generated', 'casme2'"),
])
def test_bad_values_give_one_line_errors_naming_the_key(override, message):
    with pytest.raises(ParamsError) as exc:
        params(**override)
    text = str(exc.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_missing_section_and_bad_yaml(tmp_path: Path):
    tree = default_params_dict()
    del tree["export"]
    with pytest.raises(ParamsError, match=r"^params.yaml: export: required key is missing; add it$"):
        parse_params(tree)
    bad = tmp_path / "params.yaml"
    bad.write_text("base:\n  seed: [1,\n")
    with pytest.raises(ParamsError, match=r"params.yaml: not valid YAML at line \d+"):
        load_params(bad)
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")


def test_every_key_is_required_so_defaults_live_in_params_yaml_only():
    tree = default_params_dict()
    del tree["plan"]["rise_fraction"]
    with pytest.raises(ParamsError, match=r"^params.yaml: plan.rise_fraction: required key is "
                                          r"missing; add it$"):
        parse_params(tree)
    assert tuple(Params.model_fields) == SECTIONS


def test_a_stage_validates_the_sections_it_reads_and_no_other(tmp_path: Path):
    tree = default_params_dict()
    tree["baselines"]["epochs"] = 0  # a bad value the plan stage does not read
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(tree))
    stage = Stage("plan", path)
    assert stage.section("plan", PlanParams).n_frames == 144
    assert stage.keys["plan.fps"] == 24 and "baselines.epochs" not in stage.keys
    with pytest.raises(ParamsError, match=r"params.yaml: baselines.epochs: Input should be "):
        Stage("train", path, run="demo").section("baselines", BaselinesParams)
    with pytest.raises(ParamsError, match=r"^stage plan reads no baselines.\* key"):
        stage.section("baselines", BaselinesParams)
    tree["plans"] = {}
    path.write_text(yaml.safe_dump(tree))
    with pytest.raises(ParamsError, match=r"params.yaml: plans: unknown key; remove it or fix"):
        Stage("plan", path)
