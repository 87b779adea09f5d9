"""What the tiny generators' tests share: the rows they render and the face they condition on."""

from typing import Any

import numpy as np
import pytest

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from tests.fixtures import tiny_face, tiny_rows


@pytest.fixture(scope="module")
def rows() -> list[PlanRow]:
    return tiny_rows()


@pytest.fixture(scope="module")
def face(tmp_path_factory: pytest.TempPathFactory) -> FaceImage:
    return tiny_face(tmp_path_factory.mktemp("face"))


def check_generates_8k_plus_1_and_trims(renderer: Any, rows: list[PlanRow], face: FaceImage) -> None:
    """A diffusers backend makes the smallest 8k+1 frames ≥ the plan's 10 and keeps 10."""
    row = rows[0]
    assert row.n_frames == 10 and renderer.generated_frames(row) == 17
    frames = renderer.render(row, face)
    assert frames.shape == (10, 32, 32, 3) and frames.dtype == np.uint8
    assert frames.std() > 1  # random weights still give varied pixels, not a constant


def check_same_frames_alone_in_a_batch_and_on_rerun(renderer: Any, rows: list[PlanRow],
                                                    face: FaceImage) -> None:
    """A row's clip is the same rendered again, and alone or in a batch up to float batching
    noise (at most one grey level); other seeds give other clips."""
    alone = [renderer.render(row, face) for row in rows[:3]]
    batch = renderer.render_batch(rows[:3], [face] * 3)
    assert np.array_equal(renderer.render(rows[1], face), alone[1])
    for a, b in zip(alone, batch, strict=True):
        diff = np.abs(a.astype(int) - b.astype(int))
        assert diff.max() <= 1 and diff.mean() < 0.01
    assert not np.array_equal(alone[0], alone[1])
