"""The embedded default source: two public-domain portraits and a CelebA-format attribute file."""

from __future__ import annotations

import io
import shutil
from importlib import resources
from pathlib import Path

from PIL import Image

from equime.files import write_bytes, write_text

ATTRIBUTE_FILE = "list_attr_demo.txt"
# CelebA format; labels given by the maintainers from the photos (see demo_data/PROVENANCE.md).
_ATTRIBUTES = """2
Male Young Smiling
astronaut.png -1 1 1
grace-hopper.jpg -1 -1 -1
"""


def write_demo_sources(out_dir: Path) -> list[Path]:
    """Write ``astronaut.png``, ``grace-hopper.jpg`` and the attribute file into ``out_dir``."""
    from skimage import data

    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    write_bytes(out_dir / "astronaut.png", buf.getvalue())
    hopper = resources.files("equime") / "demo_data" / "grace_hopper_512x512.jpg"
    with resources.as_file(hopper) as src:
        shutil.copyfile(src, out_dir / "grace-hopper.jpg")
    write_text(out_dir / ATTRIBUTE_FILE, _ATTRIBUTES)
    return sorted(out_dir.iterdir())
