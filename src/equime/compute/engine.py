"""Run a stage's per-item :class:`~equime.compute.work.Work` over its items, on the engine that
``compute`` names, and return one outcome per item, in the items' order.

``local``: this process, or ``local_workers`` processes that end with the stage. ``ray``: work
that holds no model runs as Ray tasks over runs of consecutive items (each task costs about a
millisecond; a run of items spreads that); work that holds a model (LTX, deepface) runs in a Ray
Data actor pool, one model per actor, as many actors as the cluster has GPUs (or CPUs) for the
stage's resources. Every engine tries an item ``1 + max_retries`` times in its worker before
returning :class:`~equime.compute.work.Failed`; Ray itself retries a task or restarts an actor
whose process was lost (killed, out of memory, a node gone). The outcomes are the same values
whatever the engine: the work, its seeds and its items are.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from tqdm import tqdm

from equime.compute.params import ComputeParams, Resources
from equime.compute.work import Failed, R, Work, attempt
from equime.errors import EnvironmentFault, EquimeError
from equime.workers import process_pool

log = logging.getLogger(__name__)
I = TypeVar("I")  # noqa: E741 - the item type
Outcome = Any  # R | Failed, as returned by the work
TASKS_PER_SLOT = 4  # Ray tasks per parallel slot: small enough runs to balance the load
MAX_RUN = 256  # items per Ray task at most


def run_items(work: Work[I, R], items: Sequence[I], compute: ComputeParams | None, stage: str,
              local_workers: int = 1, desc: str | None = None) -> list[R | Failed]:
    """One outcome per item, in order. ``compute`` None: the local engine."""
    tries = 1 + (compute.max_retries if compute is not None else 0)
    out: list[Any] = [None] * len(items)
    if not items:
        return out
    if compute is None or compute.engine == "local":
        stream = _local(work, items, tries, local_workers)
    elif work.holds_model:
        stream = _ray_actors(work, items, tries, compute.resources[stage])
    else:
        stream = _ray_tasks(work, items, tries, compute.resources[stage])
    with connected(compute), tqdm(total=len(items), desc=desc or stage, unit="item") as bar:
        for i, outcome in stream:
            out[i] = outcome
            bar.update(1)
    return out


# -- local -------------------------------------------------------------------------------------

_READY: dict[str, Work[Any, Any]] = {}  # a worker process's set-up work, by token


def _ready(work: Work[I, R]) -> Work[I, R]:
    """``work`` set up in this process: once per token (a dispatch), then reused."""
    token = getattr(work, "token", "")
    if token and token in _READY:
        return _READY[token]
    work.setup()
    if token:
        _READY.clear()  # one dispatch at a time per worker: the previous stage's state goes
        _READY[token] = work
    return work


def _attempt_here(token: str, item: Any, tries: int) -> Any:
    return attempt(_READY[token], item, tries)


def _local(work: Work[I, R], items: Sequence[I], tries: int,
           workers: int) -> Iterator[tuple[int, R | Failed]]:
    if workers <= 1 or len(items) == 1:
        work.setup()
        for i, item in enumerate(items):
            yield i, attempt(work, item, tries)
        return
    work.token = uuid.uuid4().hex  # type: ignore[attr-defined]
    with one_cv_thread(), process_pool(workers, initializer=_Adopt(work)) as pool:
        futures = {pool.submit(_attempt_here, work.token, item, tries): i  # type: ignore[attr-defined]
                   for i, item in enumerate(items)}
        for future in as_completed(futures):
            yield futures[future], future.result()


@contextlib.contextmanager
def one_cv_thread() -> Iterator[None]:
    """OpenCV at one thread in this process while the block runs, so the worker processes it
    forks inherit one thread each: processes share the cores, and OpenCV's default pool (a
    thread per core in every worker) would oversubscribe them. Set in the parent, before the
    fork: a forked child that resizes a pool it inherited without its threads can hang."""
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


class _Adopt:
    """A process pool's initializer: set up ``work`` in each worker (picklable, unlike a lambda)."""

    def __init__(self, work: Work[Any, Any]) -> None:
        self.work = work

    def __call__(self) -> None:
        _ready(self.work)


# -- Ray ---------------------------------------------------------------------------------------

@contextlib.contextmanager
def connected(compute: ComputeParams | None) -> Iterator[None]:
    """Ray connected for the block when ``compute`` asks for it: the running session if this
    process has one, else ``compute.address`` (null: a local Ray started here and stopped after)."""
    if compute is None or compute.engine != "ray":
        yield
        return
    import ray

    if ray.is_initialized():
        yield
        return
    if compute.address is not None:
        reachable(compute.address, compute.connect_timeout_s)
    try:
        ray.init(address=compute.address, include_dashboard=False, logging_level=logging.WARNING)
    except ConnectionError as exc:
        raise EnvironmentFault(_unreachable(compute.address, str(exc))) from None
    try:
        yield
    finally:
        ray.shutdown()


def _unreachable(address: str | None, why: str) -> str:
    return (f"params.yaml: compute.address {address!r}: no Ray cluster answers there ({why}); "
            "start one with `ray start --head`, fix the address, or set it to null (a local Ray "
            "for the stage)")


# Joining a cluster in a child process that may be stopped: Ray's own client retries an address
# that does not answer (or answers, but is not Ray) for ever, with no message
_PROBE = ("import sys, ray; ray.init(address=sys.argv[1], include_dashboard=False, "
          "logging_level=50); ray.shutdown()")


def reachable(address: str, timeout_s: float) -> None:
    """Stop with one line unless a Ray cluster answers at ``address`` within ``timeout_s``: a
    closed port fails at once, anything else that does not answer as Ray when the time is up."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if host and port.isdigit():
        try:
            socket.create_connection((host, int(port)), timeout=timeout_s).close()
        except OSError as exc:
            raise EnvironmentFault(_unreachable(address, str(exc))) from None
    try:
        subprocess.run([sys.executable, "-c", _PROBE, address], capture_output=True,
                       timeout=timeout_s, check=True)
    except subprocess.TimeoutExpired:
        raise EnvironmentFault(_unreachable(
            address, f"nothing answered as Ray within compute.connect_timeout_s = {timeout_s:g} s"
        )) from None
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.decode(errors="replace").strip().splitlines()
        raise EnvironmentFault(_unreachable(address, lines[-1] if lines else "")) from None


def _slots(res: Resources) -> int:
    """How many tasks or actors of ``res`` the cluster runs at once."""
    import ray

    have = ray.cluster_resources()
    if res.gpus > 0:
        if have.get("GPU", 0) < res.gpus:
            raise EquimeError(f"params.yaml: compute.resources asks {res.gpus} GPU per actor but "
                              f"the Ray cluster has {have.get('GPU', 0):g}; add GPU nodes or set "
                              "gpus: 0")
        return max(1, int(have["GPU"] // res.gpus))
    return max(1, int(have.get("CPU", 1) // res.cpus))


def _own_cpus(cpus: float) -> None:
    """Hold OpenCV's thread pool to the CPUs Ray gave this task or actor (Ray sets
    OMP_NUM_THREADS so, which OpenCV's own pool ignores): workers then share the cores, not
    oversubscribe them."""
    import cv2

    cv2.setNumThreads(max(1, int(cpus)))


@dataclass(frozen=True)
class _Refused:
    """A worker's set-up failed with an EquimeError (e.g. model weights missing on its node), or
    its machine failed (a full disk): the driver stops the stage with its one line, as the local
    engine does."""

    message: str


def _checked(outcome: Any) -> Any:
    if isinstance(outcome, _Refused):
        raise EquimeError(outcome.message)
    return outcome


def _run(work: Work[Any, Any], run: list[tuple[int, Any]], tries: int,
         cpus: float) -> list[tuple[int, Any]]:
    """A Ray task: a run of consecutive items through ``work`` (set up once per worker)."""
    _own_cpus(cpus)
    try:
        ready = _ready(work)
        return [(i, attempt(ready, item, tries)) for i, item in run]
    except EquimeError as exc:  # set-up refused, or the machine failed (a full disk)
        return [(i, _Refused(str(exc))) for i, _ in run]


def _ray_tasks(work: Work[I, R], items: Sequence[I], tries: int,
               res: Resources) -> Iterator[tuple[int, R | Failed]]:
    import ray

    work.token = uuid.uuid4().hex  # type: ignore[attr-defined]
    size = max(1, min(MAX_RUN, math.ceil(len(items) / (TASKS_PER_SLOT * _slots(res)))))
    remote = ray.remote(_run).options(num_cpus=res.cpus, num_gpus=res.gpus,
                                      max_retries=tries - 1)
    shared = ray.put(work)
    pending = [remote.remote(shared, [(i, items[i]) for i in range(a, min(a + size, len(items)))],
                             tries, res.cpus) for a in range(0, len(items), size)]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for i, outcome in ray.get(done[0]):
            yield i, _checked(outcome)


class _Serve:
    """A Ray Data actor: ``work`` set up once, then batches of pickled items through it."""

    def __init__(self, work: bytes, tries: int, cpus: float) -> None:
        from ray import cloudpickle

        _own_cpus(cpus)
        self.work: Work[Any, Any] = cloudpickle.loads(work)
        self.tries = tries
        self.refused: _Refused | None = None
        try:
            self.work.setup()
        except EquimeError as exc:
            self.refused = _Refused(str(exc))

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from ray import cloudpickle

        out = []
        for b in batch["item"]:
            try:
                done = self.refused or attempt(self.work, cloudpickle.loads(bytes(b)), self.tries)
            except EquimeError as exc:  # the machine failed (a full disk): the stage stops
                done = _Refused(str(exc))
            out.append(cloudpickle.dumps(done))
        return {"i": list(batch["i"]), "out": out}


def _ray_actors(work: Work[I, R], items: Sequence[I], tries: int,
                res: Resources) -> Iterator[tuple[int, R | Failed]]:
    import ray
    from ray import cloudpickle

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the stage's own bar counts items
    actors = min(len(items), _slots(res))
    ds = ray.data.from_items([{"i": i, "item": cloudpickle.dumps(item)}
                              for i, item in enumerate(items)])
    ds = ds.map_batches(_Serve, fn_constructor_args=(cloudpickle.dumps(work), tries, res.cpus),
                        compute=ray.data.ActorPoolStrategy(size=actors), batch_size=1,
                        num_cpus=res.cpus, num_gpus=res.gpus)  # Ray Data restarts a lost
    # actor and re-runs its batch (its defaults: max_restarts and max_task_retries -1)
    for row in ds.iter_rows():
        yield int(row["i"]), _checked(cloudpickle.loads(bytes(row["out"])))
