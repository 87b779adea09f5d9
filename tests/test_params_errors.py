"""Cross-field (model validator) params errors: one line naming the key and its value only."""

from pathlib import Path

import pytest

from equime.errors import ParamsError
from equime.plan.params import PlanParams
from equime.section import validate
from tests.fixtures import default_params_dict, params


@pytest.mark.parametrize(("override", "message"), [
    ({"plan.duration_s": [0.3, 0.1]},
     "params.yaml: plan.duration_s: low end 0.3 is above high end 0.1 (got [0.3, 0.1])"),
    ({"plan.rise_fraction": [0.5, 0.99]},
     "params.yaml: plan.rise_fraction: must lie within [0.05, 0.95] (got [0.5, 0.99])"),
    ({"plan.apex_window_s": [1.0, 5.95]},
     "params.yaml: plan.apex_window_s: ends too late: an offset would fall after the clip's end "
     "(6.0 s) (got [1.0, 5.95])"),
    ({"plan.emotions_per_subject": 9},
     "params.yaml: plan.emotions_per_subject: 9 is more than the 5 emotions listed (got 9)"),
    ({"retime.peak_iod": [0.05, 0.01]},
     "params.yaml: retime.peak_iod: low end 0.05 is above high end 0.01 (got [0.05, 0.01])"),
    ({"filter.peak_motion_px": [6.0, 5.0]},
     "params.yaml: filter.peak_motion_px: low end 6.0 is above high end 5.0 (got [6.0, 5.0])"),
    ({"plan.clip_seconds": 1e9},
     "params.yaml: plan.clip_seconds: Input should be less than or equal to 60 (got 1000000000.0)"),
    ({"plan.width": 65536},
     "params.yaml: plan.width: Input should be less than or equal to 4096 (got 65536)"),
    ({"plan.clip_seconds": 60.0, "plan.fps": 1000},
     "params.yaml: plan.clip_seconds: 60 s at 1000 fps of 512x512 is 14.6 G pixel-frames, above "
     "the 4 G a clip may hold; shorten it or lower plan.fps or the size (got 60.0)"),
    ({"plan.duration_s": [0.04, 0.1]},
     "params.yaml: plan.duration_s: holds none of the observed MEs' durations (0.115-0.7 s) at "
     "rise_fraction [0.1, 0.9]; widen it, or set au_source: paper (got [0.04, 0.1])"),
    ({"quality.device": "cuda"},
     "params.yaml: quality.workers: use 1 with device cuda (one process feeds the GPU) (got 2)"),
])
def test_model_validator_errors_show_the_key_value_not_the_section(override, message):
    with pytest.raises(ParamsError) as exc:
        params(**override)
    assert str(exc.value) == message


def test_a_stage_validating_one_section_gives_the_same_line():
    tree = default_params_dict()
    tree["plan"]["duration_s"] = [0.3, 0.1]
    with pytest.raises(ParamsError) as exc:
        validate(tree, "plan", PlanParams, Path("params.yaml"))
    assert str(exc.value) == ("params.yaml: plan.duration_s: low end 0.3 is above high end 0.1 "
                              "(got [0.3, 0.1])")


def test_field_errors_still_show_their_value():
    with pytest.raises(ParamsError, match=r"^params.yaml: plan.au_source: .* \(got None\)$"):
        params(**{"plan.au_source": None})
