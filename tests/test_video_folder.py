from pathlib import Path

import numpy as np
import pytest

from equime.errors import InputError
from equime.video import write_mp4
from equime.video_folder import list_videos
from tests.fixtures import encoder
from tests.hostile import REFUSED, hostile_folder


def test_every_video_entry_is_read_or_refused_and_links_out_are_never_followed(tmp_path: Path):
    good = tmp_path / "g.mp4"
    write_mp4(good, np.full((4, 32, 32, 3), 100, np.uint8), 24, encoder(preset="ultrafast"))
    listed = list_videos(hostile_folder(tmp_path / "in", good))
    read = [p.name for p in listed.videos]
    # empty, text, audio-only, 1-frame and 2x2 files are read: their content decides
    assert read == sorted(["audio.mp4", "empty.mp4", "good.mp4", "one.mp4", "text.mp4",
                           "tiny.mp4"])
    refused = dict(listed.refused)
    assert set(refused) == set(REFUSED) - set(read)
    for name, why in refused.items():
        assert REFUSED[name] in why, (name, why)
    assert "notes.txt" not in refused  # not a video: not an input of a video folder mode


def test_a_link_inside_is_read_and_two_names_for_one_output_are_refused(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"x")
    (folder / "b.mp4").symlink_to(folder / "a.mp4")
    (folder / "a.MP4").write_bytes(b"y")
    listed = list_videos(folder)
    assert [p.name for p in listed.videos] == ["a.MP4", "b.mp4"]
    assert listed.refused == (("a.mp4", "a.MP4 has the same name; rename one of them"),)
    with pytest.raises(InputError, match="folder not found"):
        list_videos(tmp_path / "missing")
