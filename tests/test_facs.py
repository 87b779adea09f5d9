import numpy as np
import pytest

from equime.errors import InputError
from equime.facs import AUS, displacements, get_au, intensity_letter, interocular
from equime.plan.au_tables import AU_TABLES
from tests.fixtures import aligned_astronaut


def test_every_table_au_is_in_the_catalogue():
    for table in AU_TABLES.values():
        for aus in table.values():
            for code in aus:
                assert get_au(code).code == code


def test_au12_moves_lip_corners_out_and_up_symmetrically():
    lm = aligned_astronaut().landmarks
    d = displacements({"12": 0.5}, lm)
    unit = interocular(lm)
    assert d[48, 0] == pytest.approx(-0.08 * 0.5 * unit)  # image-left corner moves left
    assert d[54, 0] == pytest.approx(0.08 * 0.5 * unit)  # image-right corner moves right
    assert d[48, 1] < 0 and d[54, 1] < 0  # both up
    assert np.all(d[:17] == 0) and np.all(d[17:27] == 0)  # jaw and brows still


def test_unilateral_r12_moves_only_the_subjects_right_side():
    d = displacements({"R12": 0.5}, aligned_astronaut().landmarks)
    assert d[48, 0] < 0 and d[48, 1] < 0
    assert np.all(d[54] == 0)


def test_displacements_scale_linearly_and_add_up():
    lm = aligned_astronaut().landmarks
    np.testing.assert_allclose(displacements({"1": 0.4}, lm), 2 * displacements({"1": 0.2}, lm))
    np.testing.assert_allclose(displacements({"1": 0.2, "2": 0.3}, lm),
                               displacements({"1": 0.2}, lm) + displacements({"2": 0.3}, lm))


def test_intensity_letters_and_unknown_au():
    assert [intensity_letter(x) for x in (0.1, 0.2, 0.21, 0.4, 0.55, 0.8, 1.0)] == \
        ["A", "A", "B", "B", "C", "D", "E"]
    with pytest.raises(ValueError):
        intensity_letter(1.2)
    with pytest.raises(InputError, match="AU '99' is not in the catalogue"):
        get_au("99")
    assert AUS["R14"].unilateral and not AUS["14"].unilateral
