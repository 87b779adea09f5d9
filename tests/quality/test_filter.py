from equime.quality.filter import verdict
from equime.quality.params import FilterParams

T = FilterParams(min_psnr_db=30.0, max_duration_s=0.5, peak_motion_px=(0.1, 5.0),
                 max_head_motion_px=1.5, min_au_fidelity=0.4, identity_consistency=True)
GOOD = {"clip_id": "a", "standard_psnr_mean": 60.0, "peak_motion_px": 1.0, "duration_s": 0.21,
        "returns_to_neutral": True, "moving_outside_frames": 0,
        "head_motion_px": 0.2, "au_fidelity": 0.75, "aus_missing": "14"}


def test_a_micro_expression_passes():
    assert verdict(GOOD, T) == []


def test_each_failure_has_its_reason():
    bad = {**GOOD, "standard_psnr_mean": 20.0, "duration_s": 5.54, "returns_to_neutral": False,
           "moving_outside_frames": 3, "head_motion_px": 4.0, "au_fidelity": 0.25,
           "aus_missing": "1+2+5"}
    reasons = verdict(bad, T)
    assert reasons == [
        "psnr 20.0 dB < 30.0",
        "never returns to neutral: still moving at the last frame",
        "not brief: expression lasts 5.54 s > 0.5 s",
        "not still outside the expression: 3 other frames move",
        "head motion 4.00 px > 1.5",
        "planned AUs not visible: fidelity 0.25 < 0.4 (missing 1+2+5)",
    ]
    assert verdict({**GOOD, "peak_motion_px": 0.0}, T) == [
        "no micro-expression: peak 0.00 px outside [0.1, 5.0]"]
    blink = {**GOOD, "peak_motion_px": 0.0, "blinks": 1, "blink_frames": "40-45"}
    assert verdict(blink, T) == [
        "no micro-expression: peak 0.00 px outside [0.1, 5.0] (blinks seen: 1, frames 40-45)"]
    assert verdict({**GOOD, "peak_motion_px": 9.0}, T)[0].startswith("movement not subtle")


def test_identity_drift_fails_a_clip_only_when_asked():
    import pandas as pd

    from equime.quality.filter import verdict_table

    table = pd.DataFrame([GOOD, {**GOOD, "clip_id": "b"}])
    flags = {"a": "gender-changed;age-shifted", "b": ""}
    v = verdict_table(table, T, flags)
    assert v["passed"].tolist() == [False, True]
    assert v["reasons"].tolist() == ["identity drift: gender-changed, age-shifted", ""]
    off = T.model_copy(update={"identity_consistency": False})
    assert verdict_table(table, off, flags)["passed"].tolist() == [True, True]


def test_failures_are_counted_by_their_check():
    import pandas as pd

    from equime.quality.filter import filter_metrics, verdict_table

    bad = {**GOOD, "clip_id": "b", "standard_psnr_mean": 20.0, "duration_s": 5.54,
           "returns_to_neutral": False, "moving_outside_frames": 3, "head_motion_px": 4.0,
           "au_fidelity": 0.25}
    table = verdict_table(pd.DataFrame([GOOD, bad, {**GOOD, "clip_id": "c", "peak_motion_px": 0.0},
                                        {**GOOD, "clip_id": "d", "peak_motion_px": 9.0}]), T,
                          {"a": "face-lost"})
    assert filter_metrics(table) == {"clips": 4, "passed": 0, "failed": 4, "failures_by_check": {
        "au_fidelity": 1, "brief": 1, "head_motion": 1, "identity": 1, "psnr": 1, "returns": 1,
        "still": 1, "subtle": 1, "visible": 1}}  # "not brief" and "not still" are two checks
