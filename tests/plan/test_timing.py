import numpy as np
import pytest

from equime.plan.timing import envelope, frame_times, make_timing


def test_envelope_is_zero_outside_one_at_apex_and_monotone():
    t = np.linspace(0, 1, 1001)
    e = envelope(t, 0.4, 0.45, 0.55)
    assert np.all(e[t <= 0.4] == 0) and np.all(e[t >= 0.55] == 0)
    assert e[np.argmin(np.abs(t - 0.45))] == pytest.approx(1.0)
    rise = e[(t > 0.4) & (t <= 0.45)]
    fall = e[(t > 0.45) & (t < 0.55)]
    assert np.all(np.diff(rise) > 0) and np.all(np.diff(fall) < 0)


def test_frames_bracket_the_expression():
    t = make_timing(apex_frame=60, duration_s=0.2, rise_fraction=0.4, fps=24)
    assert t.apex_s == pytest.approx(2.5)
    assert (t.onset_s, t.offset_s) == (pytest.approx(2.42), pytest.approx(2.62))
    assert (t.onset_frame, t.apex_frame, t.offset_frame) == (58, 60, 63)
    e = envelope(frame_times(144, 24), t.onset_s, t.apex_s, t.offset_s)
    assert e[t.onset_frame] == 0 and e[t.offset_frame] == 0 and e[t.apex_frame] == 1
    assert np.flatnonzero(e).tolist() == [59, 60, 61, 62]


def test_a_1_25_s_expression_at_24_fps_is_a_single_frame():
    t = make_timing(apex_frame=30, duration_s=1 / 25, rise_fraction=0.5, fps=24)
    e = envelope(frame_times(144, 24), t.onset_s, t.apex_s, t.offset_s)
    assert np.flatnonzero(e).tolist() == [30]
    assert t.onset_frame < t.apex_frame < t.offset_frame
