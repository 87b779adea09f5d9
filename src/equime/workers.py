"""Worker processes that die with the stage that started them.

A stage killed by SIGKILL or SIGTERM cannot tell its ``ProcessPoolExecutor`` workers to stop:
they would go on computing and then block forever on a queue nobody reads (the standard library
has no option for it). Each worker therefore asks the kernel to kill it when its parent dies
(Linux ``PR_SET_PDEATHSIG``) and, where that is not available, watches its parent from a thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_POLL_S = 0.5


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (the pid was reused): treat as gone
        return False
    return True


def _watch(parent: int) -> None:
    while _alive(parent):
        time.sleep(_POLL_S)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """Make this process end when process ``parent`` (the stage) does; call it first thing in a
    worker. Where the stage is the direct parent (fork) the kernel does it; otherwise (a
    forkserver or spawn start) a thread watches the stage."""
    if sys.platform.startswith("linux") and os.getppid() == parent:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the stage died before the request took effect
                os._exit(1)
            return
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="watch-parent").start()


def _start(parent: int, initializer: Callable[[], None] | None) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer()


@contextlib.contextmanager
def process_pool(workers: int, initializer: Callable[[], None] | None = None
                 ) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers end with this process, however it ends."""
    with ProcessPoolExecutor(workers, initializer=_start,
                             initargs=(os.getpid(), initializer)) as pool:
        yield pool
