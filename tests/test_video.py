from pathlib import Path

import numpy as np
import pytest

from equime.files import sha256_file
from equime.video import EncoderOptions, encode_mp4, probe_mp4, read_mp4, write_mp4
from tests.fixtures import encoder


def _frames(n: int = 24, size: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size] / size  # smooth content: 4:2:0 keeps it
    base = np.stack([xx * 200 + 20, yy * 200 + 20, (xx + yy) * 100 + 20], -1).astype(np.uint8)
    frames = np.repeat(base[None], n, axis=0)
    frames[n // 2] = np.roll(base, 2, axis=1)
    return frames


def test_roundtrip_and_probe(tmp_path: Path):
    path = tmp_path / "a.mp4"
    frames = _frames()
    write_mp4(path, frames, 24, EncoderOptions(crf=0, preset="ultrafast"))
    back = read_mp4(path)
    assert back.shape == frames.shape
    # crf 0 is lossless in YUV; the RGB → YUV 4:2:0 → RGB round trip costs a grey level or two
    assert np.abs(back.astype(int) - frames).mean() < 2.0
    info = probe_mp4(path)
    assert (info.frame_count, info.fps, info.width, info.height) == (24, 24.0, 64, 64)
    assert (info.codec, info.pix_fmt, info.duration_s) == ("h264", "yuv420p", 1.0)
    assert info.size_bytes == path.stat().st_size
    assert info.bitrate_bps == round(info.size_bytes * 8 / 1.0)
    assert info.sha256 == sha256_file(path)


def test_same_frames_give_same_bytes(tmp_path: Path):
    frames = _frames()
    write_mp4(tmp_path / "a.mp4", frames, 24, encoder())
    write_mp4(tmp_path / "b.mp4", frames, 24, encoder())
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_bad_frames_are_refused_and_leave_no_file(tmp_path: Path):
    with pytest.raises(ValueError, match="even sides"):
        write_mp4(tmp_path / "x.mp4", np.zeros((2, 63, 64, 3), np.uint8), 24, encoder())
    with pytest.raises(ValueError, match="uint8"):
        encode_mp4(tmp_path / "x.mp4", np.zeros((2, 64, 64, 3), np.float32), 24, encoder())
    assert list(tmp_path.iterdir()) == []
