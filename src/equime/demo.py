"""The embedded default source: two public-domain portraits and their annotation manifest."""

from __future__ import annotations

import io
import shutil
from importlib import resources
from pathlib import Path

from PIL import Image

from equime.artifacts.sources import ANNOTATIONS
from equime.files import write_bytes, write_text

PACKAGE_DATA = ("demo_data",)
# Labels given by the maintainers from the photos (see demo_data/PROVENANCE.md): gender, apparent
# age in years, perceived race in deepface's label set, and CelebA's Smiling.
_ATTRIBUTES = """file,gender,age,race,Smiling
astronaut.png,f,35,white,true
grace-hopper.jpg,f,75,white,false
"""


def write_demo_sources(out_dir: Path) -> list[Path]:
    """Write ``astronaut.png``, ``grace-hopper.jpg`` and the annotation manifest into ``out_dir``."""
    from skimage import data

    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    write_bytes(out_dir / "astronaut.png", buf.getvalue())
    hopper = resources.files("equime") / PACKAGE_DATA[0] / "grace_hopper_512x512.jpg"
    with resources.as_file(hopper) as src:
        shutil.copyfile(src, out_dir / "grace-hopper.jpg")
    write_text(out_dir / ANNOTATIONS, _ATTRIBUTES)
    return sorted(out_dir.iterdir())
