import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from equime.errors import InputError
from equime.files import (
    atomic_path,
    check_id,
    check_name,
    inside,
    output_lock,
    remove_partials,
    safe_id,
    staged_dir,
    write_text,
)


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
    # the failed staging is gone too; the lock file stays (removing one that others may hold
    # would let two runs lock two different files)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".quality.lock", "quality"]


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_keep_the_umask_mode(tmp_path: Path, mask: int, mode: int):
    old = os.umask(mask)
    try:
        write_text(tmp_path / "manifest.csv", "a\n")
        with staged_dir(tmp_path / "out") as staging:
            write_text(staging / "clips.csv", "b\n")
    finally:
        os.umask(old)
    assert (tmp_path / "manifest.csv").stat().st_mode & 0o777 == mode
    assert (tmp_path / "out" / "clips.csv").stat().st_mode & 0o777 == mode


def test_names_from_data_never_leave_their_root(tmp_path: Path):
    assert check_name("subj_anger_01", "clip_id") == "subj_anger_01"
    for bad in ("../escaped_clip", "a/b", "", ".hidden", "x\x00y", "é"):
        with pytest.raises(InputError, match=r"clip_id: .* is not a valid name"):
            check_name(bad, "clip_id")
    root = tmp_path / "dataset"
    (root / "emotion_categories").mkdir(parents=True)
    (root / "emotion_categories" / "out").symlink_to("/etc")
    assert inside(root, "emotion_categories/a.mp4", "video") == root / "emotion_categories/a.mp4"
    for bad in ("../../etc/passwd", "/etc/passwd", "emotion_categories/out/passwd", ""):
        with pytest.raises(InputError, match=r"^manifest\.csv row 3 video: "):
            inside(root, bad, "manifest.csv row 3 video")


HOLD = """
import sys, time
from pathlib import Path
from equime.files import output_lock
with output_lock(Path(sys.argv[1]), shared=sys.argv[2] == "shared"):
    print("held", flush=True)
    time.sleep(30)
"""


def _holder(target: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(target), mode], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_of_a_folder_stops_with_one_line(tmp_path: Path):
    target = tmp_path / "videos"
    proc = _holder(target, "exclusive")
    try:
        with pytest.raises(InputError, match=r"videos: another run is writing it now; wait"), \
                output_lock(target):
            pass
        with pytest.raises(InputError), output_lock(target, shared=True):
            pass
    finally:
        proc.kill()
        proc.wait()
    with output_lock(target), output_lock(target):  # free again once its holder died; re-entrant
        pass


def test_shared_holders_exclude_only_an_exclusive_one(tmp_path: Path):
    target = tmp_path / "videos"
    proc = _holder(target, "shared")
    try:
        with output_lock(target, shared=True):
            pass
        with pytest.raises(InputError), output_lock(target):
            pass
    finally:
        proc.kill()
        proc.wait()
