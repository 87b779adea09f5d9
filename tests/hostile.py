"""A folder of videos as a hostile user leaves it: every kind of entry a folder mode must read or
refuse with its reason (never follow out of the folder, never abort the others)."""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from equime.video import read_mp4, write_mp4
from tests.fixtures import encoder

# entry → what a folder mode must say of it (a fragment of its reject reason)
REFUSED = {
    "empty.mp4": "cannot",  # zero bytes
    "text.mp4": "cannot",  # a text file named .mp4
    "audio.mp4": "cannot",  # an MP4 with sound and no picture
    "one.mp4": "1 frame",  # the good video's first frame alone: nothing can move
    "tiny.mp4": "face",  # 2×2 pixels: no face to find
    "passwd.mp4": "outside",  # a link to /etc/passwd
    "elsewhere.mp4": "outside",  # a link to a real video outside the folder
    "broken.mp4": "does not exist",  # a link to nothing
    "with space.mp4": "rename",
    "ünïcode.mp4": "rename",
    "-dash.mp4": "rename",
    ".hidden.mp4": "hidden",
    "folder.mp4": "not a regular file",
}


def audio_only(path: Path) -> None:
    """An MP4 holding one second of silence in AAC and no video stream."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48000)
        for k in range(48):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                               layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 48000, k * 1024, Fraction(1, 48000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def hostile_folder(folder: Path, good: Path) -> Path:
    """``folder`` with ``good`` (a video that should be read) and every entry of REFUSED, plus a
    note that is no video at all; ``good`` is copied, so the folder owns it."""
    folder.mkdir(parents=True)
    shutil.copy(good, folder / "good.mp4")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "text.mp4").write_text("not a video\n")
    audio_only(folder / "audio.mp4")
    write_mp4(folder / "one.mp4", read_mp4(good)[:1], 24, encoder(preset="ultrafast"))
    write_mp4(folder / "tiny.mp4", np.full((10, 2, 2, 3), 90, np.uint8), 24,
              encoder(preset="ultrafast"))
    os.symlink("/etc/passwd", folder / "passwd.mp4")
    outside = folder.parent / f"{folder.name}-outside.mp4"
    shutil.copy(good, outside)
    os.symlink(outside, folder / "elsewhere.mp4")
    os.symlink(folder / "gone.mp4", folder / "broken.mp4")
    for name in ("with space.mp4", "ünïcode.mp4", "-dash.mp4", ".hidden.mp4"):
        shutil.copy(good, folder / name)
    (folder / "folder.mp4").mkdir()
    (folder / "notes.txt").write_text("not a video, not an input\n")
    return folder
