"""Dense optical flow between two views of one face (OpenCV's Farnebäck), its window sized to
one facial feature."""

from __future__ import annotations

import cv2
import numpy as np

FEATURE_IOD = 0.15  # the flow's window is about twice this: one facial feature (~0.3 IOD)


def face_flow(a: np.ndarray, b: np.ndarray, unit: float) -> np.ndarray:
    """(H, W, 2) float32 flow from RGB image ``a`` to ``b`` of one face whose interocular
    distance is ``unit`` px."""
    g = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) for x in (a, b)]
    win = int(2 * round(FEATURE_IOD * unit) + 1)
    return cv2.calcOpticalFlowFarneback(g[0], g[1], None, 0.5, 4, max(win, 9), 3, 5, 1.2, 0)
