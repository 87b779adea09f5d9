import numpy as np
import pytest

from equime.recording.face import blink_times, closure, live_motion
from tests import fixtures

FACE = fixtures.params().recording.face.model_copy(update={"enabled": True})


def test_blinks_come_at_the_literature_rate_and_keep_clear_of_the_expressions():
    clear = [(30.0, 31.0), (45.0, 48.0)]  # one clip's expression, or a long video's several
    for windows, low, high in ((clear[:1], 13, 17), (clear, 12, 16)):
        starts = [b for seed in range(200) for b in blink_times(FACE, seed, 60.0, windows)]
        rate = len(starts) / 200  # per 60-s clip
        assert low < rate < high  # 17/min, less the time the blinks and the clear windows take
        for start, end in starts:
            assert 0 < start < end < 60.0
            assert FACE.blink_s[0] <= end - start <= FACE.blink_s[1] + 1e-6
            assert all(end <= a or start >= b for a, b in windows)


def test_a_blink_closes_fast_shuts_once_and_reopens_slower():
    t = np.arange(0, 1, 0.001)
    c = closure(t, ((0.2, 0.5),))
    assert c[t <= 0.2].max() == 0 and c[t >= 0.5].max() == 0
    assert t[c.argmax()] == pytest.approx(0.3, abs=0.002)  # shut a third of the way in
    assert c.max() == pytest.approx(1.0, abs=1e-4)


def test_the_living_face_starts_at_the_photo_and_is_seeded():
    a = live_motion(FACE, 7, 144, 24, [(2.0, 2.2)])
    b = live_motion(FACE, 7, 144, 24, [(2.0, 2.2)])
    assert np.array_equal(a.shift, b.shift) and a.blinks == b.blinks
    assert a.still[0] and not a.still[1:].all()
    assert 0 < np.abs(a.shift).max() < 6 * FACE.sway_iod + 2 * FACE.breathing_iod
    off = live_motion(FACE.model_copy(update={"enabled": False}), 7, 144, 24, [(2.0, 2.2)])
    assert off.still.all() and off.blinks == ()
