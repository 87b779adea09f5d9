"""The engines run a stage's per-item work to the same bytes: the local loop, Ray tasks and a Ray
Data actor pool; faults in Ray (an item that raises once, an actor killed mid-run) cost time,
not bytes; an item that always fails is rejected with its reason."""

import errno
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from equime.artifacts.curated import load_face
from equime.compute.engine import reachable, run_items
from equime.compute.work import Failed, Work, attempt
from equime.errors import EnvironmentFault, EquimeError
from equime.files import write_png
from equime.generate.ltx import LTXRenderer
from equime.generate.registry import backend
from equime.generate.runner import RenderClips, generate_clips
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import EncoderOptions, write_mp4
from tests.fixtures import (
    TINY_LTX,
    TINY_PLAN,
    aligned_astronaut,
    build_tiny_ltx,
    default_params_dict,
    params,
    plan_spec,
    single_au_row,
    warp,
)

ENC = EncoderOptions(crf=23, preset="ultrafast", asm="AVX2")
RAY = params().compute.model_copy(update={"engine": "ray", "max_retries": 2})


def warp_rows(n: int):
    base = single_au_row("12", 0.4, apex_frame=10, n_frames=24, duration_s=0.2)
    return [base.model_copy(update={"clip_id": f"astronaut_happiness_{i:02d}", "seq": i,
                                    "width": 128, "height": 128, "seed": 100 + i})
            for i in range(1, n + 1)]


class Faces:
    """The astronaut at a row's size (picklable: a module-level class)."""

    def __init__(self, folder: Path) -> None:
        self.png = folder / "face.png"
        write_png(self.png, aligned_astronaut().image)

    def __call__(self, row):
        return load_face(self.png, aligned_astronaut().landmarks, row.width, row.height)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


class Flaky(RenderClips):
    """Raises on the first try of each clip named in ``fail_once`` (a marker file, seen by every
    worker, records the try), always on clips in ``always``; ``kill``: on its first try of that
    clip, the actor serving it is killed (ray.kill) instead."""

    def __init__(self, *args, marks: Path, fail_once=(), always=(), kill=(), model=False):
        super().__init__(*args)
        self.marks, self.fail_once, self.always, self.kill = marks, fail_once, always, kill
        self.model = model

    @property
    def holds_model(self):
        return self.model

    def __call__(self, batch):
        for row in batch:
            mark = self.marks / row.clip_id
            first = not mark.exists()
            mark.touch()
            if row.clip_id in self.always:
                raise RuntimeError(f"{row.clip_id} cannot be rendered")
            if first and row.clip_id in self.fail_once:
                raise OSError("transient: storage hiccup")
            if first and row.clip_id in self.kill:
                import ray

                ray.kill(ray.get_runtime_context().current_actor, no_restart=False)
        return super().__call__(batch)


def test_attempt_retries_then_fails_with_the_last_reason():
    class Twice(Work):
        calls = 0

        def __call__(self, item):
            Twice.calls += 1
            if Twice.calls <= 2:
                raise ValueError(f"bad {item}\nsecond line")
            return item * 2

    assert attempt(Twice(), 4, tries=3) == 8
    Twice.calls = 0
    assert attempt(Twice(), 4, tries=2) == Failed("ValueError: bad 4 second line")


def test_local_process_pool_keeps_the_order():
    class Square(Work):
        def __call__(self, item):
            return item * item

    assert run_items(Square(), list(range(7)), None, "quality", local_workers=2) == \
        [i * i for i in range(7)]


def test_warp_through_ray_tasks_gives_the_local_bytes(tmp_path: Path, ray_cluster):
    faces, rows = Faces(tmp_path), warp_rows(5)
    local = generate_clips(rows, faces, warp(), ENC, tmp_path / "local", 1)
    remote = generate_clips(rows, faces, warp(), ENC, tmp_path / "ray", 1, compute=RAY)
    assert [o.status for o in remote.outcomes] == ["rendered"] * 5
    assert folder_bytes(tmp_path / "ray") == folder_bytes(tmp_path / "local")
    assert remote.metrics() == local.metrics()


def test_tiny_ltx_through_a_ray_actor_pool_gives_the_local_bytes(tmp_path: Path, ray_cluster):
    tiny = build_tiny_ltx(tmp_path / "tiny")
    settings = params().generate.ltx.model_copy(update={**TINY_LTX, "model": str(tiny)})
    spec = plan_spec(params(**TINY_PLAN, **{"plan.emotions": ["happiness"]}))
    rows = plan_clips([PlanSubject("ann", "f")], spec, base_seed=3)  # 2 clips
    faces = Faces(tmp_path)
    local = generate_clips(rows, faces, LTXRenderer(settings), ENC, tmp_path / "local", 2)
    assert RenderClips(LTXRenderer(settings), backend("ltx"), faces, tmp_path, ENC).holds_model
    remote = generate_clips(rows, faces, LTXRenderer(settings), ENC, tmp_path / "ray", 2,
                            compute=RAY)
    assert [o.status for o in remote.outcomes] == ["rendered"] * 2
    assert folder_bytes(tmp_path / "ray") == folder_bytes(tmp_path / "local")
    assert local.count("rendered") == 2


@pytest.mark.parametrize("model", [False, True], ids=["tasks", "actors"])
def test_faults_cost_tries_not_bytes_and_a_hopeless_clip_is_rejected(tmp_path: Path, ray_cluster,
                                                                    model: bool):
    faces, rows = Faces(tmp_path), warp_rows(4)
    ids = [r.clip_id for r in rows]
    reference = generate_clips(rows[:3], faces, warp(), ENC, tmp_path / "local", 1)
    assert reference.count("rendered") == 3
    (tmp_path / "marks").mkdir()
    work = Flaky(warp(), backend("warp"), faces, (tmp_path / "ray").resolve(), ENC,
                 marks=tmp_path / "marks",
                 fail_once=(ids[0],), always=(ids[3],), kill=(ids[1],) if model else (),
                 model=model)
    (tmp_path / "ray").mkdir()
    out = run_items(work, [[r] for r in rows], RAY, "generate")
    assert isinstance(out[3], Failed) and out[3].reason == f"RuntimeError: {ids[3]} cannot be rendered"
    assert [o[0][0].clip_id for o in out[:3]] == ids[:3]
    written = folder_bytes(tmp_path / "ray")
    assert not [n for n in written if ".tmp" in n or n.startswith(".")]  # no partial file
    local = folder_bytes(tmp_path / "local")
    assert {n: b for n, b in written.items()} == {n: b for n, b in local.items() if n.endswith(
        (".mp4", ".json"))}


def test_a_clip_that_always_fails_is_in_the_stage_rejects(tmp_path: Path, ray_cluster,
                                                          monkeypatch):
    faces, rows = Faces(tmp_path), warp_rows(2)
    bad = rows[1].model_copy(update={"width": 96})  # the face is 128 px: the renderer refuses it
    report = generate_clips([rows[0], bad], faces, warp(), ENC, tmp_path / "v", 1, compute=RAY)
    assert [o.status for o in report.outcomes] == ["rendered", "failed"]
    rejects = (tmp_path / "v" / "rejects.csv").read_text().splitlines()
    assert rejects[1].startswith(f"{bad.clip_id},")
    assert "InputError" in rejects[1] and "aspect ratio" in rejects[1]


class NoWeights(Work):
    """Work whose set-up fails as a missing model does, on every worker."""

    def __init__(self, model: bool) -> None:
        self.holds_model = model

    def setup(self):
        raise EquimeError("LTX weights X are not available locally; run `equime models fetch ltx`")

    def __call__(self, item):
        return item


@pytest.mark.parametrize("model", [False, True], ids=["tasks", "actors"])
def test_a_worker_that_cannot_set_up_stops_the_stage_with_its_line(ray_cluster, model: bool):
    with pytest.raises(EquimeError) as exc:
        run_items(NoWeights(model), [1, 2, 3], RAY, "generate")
    assert type(exc.value) is EquimeError
    assert str(exc.value) == ("LTX weights X are not available locally; run `equime models "
                              "fetch ltx`")


class DiskFull(Work):
    """Work whose every item meets a full disk (as the writer of a clip would), counting tries in
    a marker folder every worker sees."""

    def __init__(self, marks: Path, model: bool = False, error: type = OSError) -> None:
        self.marks, self.holds_model, self.error = marks, model, error

    def __call__(self, item):
        (self.marks / f"{item}-{len(list(self.marks.iterdir()))}").touch()
        if self.error is MemoryError:
            raise MemoryError("Unable to allocate 179. GiB for an array")
        raise OSError(errno.ENOSPC, "No space left on device", f"/data/videos/clip_{item}.mp4")


@pytest.mark.parametrize("error", [OSError, MemoryError], ids=["ENOSPC", "MemoryError"])
def test_a_full_disk_or_no_memory_stops_at_once_and_is_no_items_fault(tmp_path: Path, error):
    with pytest.raises(EnvironmentFault) as exc:
        attempt(DiskFull(tmp_path, error=error), 1, tries=3)
    assert len(list(tmp_path.iterdir())) == 1  # tried once, not three times
    assert "\n" not in str(exc.value)
    if error is OSError:
        assert str(exc.value).startswith("No space left on device: /data/videos/clip_1.mp4; free")
    else:
        assert str(exc.value).startswith("out of memory")
    marks = tmp_path / "pool"
    marks.mkdir()
    with pytest.raises(EnvironmentFault):  # the same from a local process pool
        run_items(DiskFull(marks, error=error), [1, 2, 3], None, "quality", local_workers=2)


@pytest.mark.parametrize("model", [False, True], ids=["tasks", "actors"])
def test_a_full_disk_on_ray_stops_the_stage_with_one_line(tmp_path: Path, ray_cluster, model):
    with pytest.raises(EquimeError) as exc:
        run_items(DiskFull(tmp_path, model), [1, 2], RAY, "generate")
    assert str(exc.value).startswith("No space left on device: /data/videos/clip_")
    assert len(list(tmp_path.iterdir())) <= 2  # never retried per item (max_retries is 2)


def test_generate_on_a_full_disk_stops_with_one_line_and_rejects_nothing(tmp_path: Path,
                                                                        monkeypatch):
    faces, rows = Faces(tmp_path), warp_rows(3)
    calls = []

    def full(path, *args, **kw):
        calls.append(path)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("equime.generate.runner.write_mp4", full)
    with pytest.raises(EnvironmentFault, match="No space left on device"):
        generate_clips(rows, faces, warp(), ENC, tmp_path / "v", 1)
    assert len(calls) == 1  # the first clip stopped the stage: no retries, no other clips
    assert not (tmp_path / "v" / "rejects.csv").exists()


def test_an_address_where_nothing_listens_fails_at_once_with_one_line():
    t0 = time.monotonic()
    with pytest.raises(EnvironmentFault) as exc:
        reachable("127.0.0.1:1", 30)
    assert time.monotonic() - t0 < 5
    assert str(exc.value).startswith("params.yaml: compute.address '127.0.0.1:1': no Ray "
                                     "cluster answers there (")


def test_an_address_that_answers_but_is_not_ray_fails_when_the_time_is_up():
    with socket.socket() as silent:  # accepts connections, says nothing (as a wrong port would)
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        t0 = time.monotonic()
        with pytest.raises(EnvironmentFault, match=r"nothing answered as Ray within "
                                                   r"compute.connect_timeout_s = 3 s"):
            reachable(address, 3)
        assert time.monotonic() - t0 < 15


def test_a_stage_on_an_unreachable_cluster_stops_with_one_line_and_writes_nothing(tmp_path):
    tree = default_params_dict()
    tree["compute"].update(engine="ray", address="127.0.0.1:1", connect_timeout_s=5)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    (tmp_path / "in").mkdir()
    write_mp4(tmp_path / "in" / "a.mp4", np.full((4, 32, 32, 3), 90, np.uint8), 24, ENC)
    t0 = time.monotonic()
    done = subprocess.run([Path(sys.executable).parent / "equime", "quality", "--videos", "in",
                           "--out", "out", "--params", "params.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert time.monotonic() - t0 < 60
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "error: params.yaml: compute.address '127.0.0.1:1': no Ray cluster answers there")
    assert not (tmp_path / "out").exists()
