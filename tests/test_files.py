import re
from pathlib import Path

import pytest

from equime.errors import InputError
from equime.files import atomic_path, check_id, remove_partials, safe_id, staged_dir, write_text


def test_atomic_path_leaves_old_content_when_the_writer_fails(tmp_path: Path):
    target = tmp_path / "a.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_remove_partials_only_removes_part_files(tmp_path: Path):
    (tmp_path / ".clip.mp4.abc.part").write_bytes(b"x")
    (tmp_path / "clip.mp4").write_bytes(b"y")
    assert remove_partials(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_safe_ids():
    assert safe_id("grace_hopper 512x512") == "grace-hopper-512x512"
    assert safe_id("../../etc/passwd") == "etc-passwd"
    assert safe_id("___") == "x"
    assert check_id("abc-1", "subject") == "abc-1"
    with pytest.raises(InputError, match=re.escape("subject: '../x' is not a valid id")):
        check_id("../x", "subject")


def test_a_staged_folder_replaces_the_old_one_whole_or_not_at_all(tmp_path: Path):
    out = tmp_path / "quality"
    with staged_dir(out) as staging:
        write_text(staging / "clips.csv", "old")
        write_text(staging / "curves.csv", "old")
    with pytest.raises(RuntimeError), staged_dir(out) as staging:
        write_text(staging / "clips.csv", "new")
        raise RuntimeError("killed between two files")
    assert {p.name: p.read_text() for p in out.iterdir()} == {"clips.csv": "old", "curves.csv": "old"}
    with staged_dir(out) as staging:
        write_text(staging / "clips.csv", "new")
    assert [p.name for p in out.iterdir()] == ["clips.csv"]  # nothing of the old folder is left
    assert [p.name for p in tmp_path.iterdir()] == ["quality"]  # the failed staging is gone too
