import numpy as np

from equime.facs import interocular
from equime.recording.appearance import shading
from tests import fixtures
from tests.fixtures import face_image

LOOK = fixtures.params().recording.appearance.model_copy(update={"enabled": True})


def test_au12_deepens_the_nasolabial_folds_on_both_sides_and_r12_on_one():
    face = face_image()
    lm = face.landmarks
    shade = shading({"12": 1.0}, lm, (512, 512), LOOK)
    # between nose wing and lip corner, 0.08 interocular distances outward: darker, by ~depth
    unit = interocular(lm)
    for wing, corner, side in ((31, 48, -1), (35, 54, 1)):
        x, y = np.rint((lm[wing] + lm[corner]) / 2 + (side * 0.08 * unit, 0)).astype(int)
        assert shade[y - 3:y + 4, x - 3:x + 4].min() < -0.6 * LOOK.depth
    assert shade.min() >= -LOOK.depth - 1e-6
    one = shading({"R12": 1.0}, lm, (512, 512), LOOK)
    mid = int(lm[27, 0])
    assert one[:, :mid].min() < -0.6 * LOOK.depth and one[:, mid + 20:].min() == 0  # image left


def test_aus_without_folds_and_a_switched_off_model_shade_nothing():
    lm = face_image().landmarks
    assert shading({"1": 1.0, "26": 1.0}, lm, (512, 512), LOOK) is None
    assert shading({"12": 1.0}, lm, (512, 512), LOOK.model_copy(update={"enabled": False})) is None
