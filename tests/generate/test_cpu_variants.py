"""Another CPU picks other code in numpy, OpenBLAS and OpenCV: a rendered clip must not change.

Each variant renders the same filmed warp clip (living face, shading, camera noise) in a fresh
process with one library held to other instruction-set paths, as on a CPU without AVX-512 (or
without AVX2); the frames handed to the encoder and the MP4 bytes must equal the default run's.
"""

import json
import os
import subprocess
import sys

import pytest
from numpy._core._multiarray_umath import __cpu_dispatch__

from tests.fixtures import REPO

pytestmark = pytest.mark.slow

RENDER = """
import json, sys, tempfile
from pathlib import Path
import cv2
if sys.argv[1] == "opencv-plain":
    cv2.setUseOptimized(False)
    cv2.ipp.setUseIPP(False)
from equime.generate.runner import generate_clips
from tests.fixtures import encoder, face_image, filmed_warp, single_au_row

row = single_au_row("12", 0.5, apex_frame=10, n_frames=20, duration_s=0.2)
face = face_image()
with tempfile.TemporaryDirectory() as out:
    record = generate_clips([row], lambda r: face, filmed_warp(), encoder(), Path(out), 1).records[0]
print(json.dumps({k: getattr(record, k) for k in ("sha256", "frames_sha256")}))
"""

NO_AVX512 = " ".join(f for f in __cpu_dispatch__ if f.startswith(("X86_V4", "AVX512")))
NO_AVX2 = " ".join(f for f in __cpu_dispatch__ if f.startswith(("X86_V3", "X86_V4", "AVX512")))
VARIANTS = {
    "default": {},
    "numpy-no-avx512": {"NPY_DISABLE_CPU_FEATURES": NO_AVX512},
    "numpy-no-avx2": {"NPY_DISABLE_CPU_FEATURES": NO_AVX2},
    "openblas-haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "openblas-sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "openblas-prescott": {"OPENBLAS_CORETYPE": "Prescott"},
    "opencv-plain": {},
}


def _render(variant: str) -> dict[str, str]:
    env = {**os.environ, **VARIANTS[variant]}
    done = subprocess.run([sys.executable, "-c", RENDER, variant], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_clip_is_the_same_bytes_whatever_code_paths_the_cpu_picks():
    want = _render("default")
    for variant in VARIANTS:
        if variant != "default":
            assert _render(variant) == want, variant
