"""Workers die with the stage that started them, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import sys, time
    from equime.workers import process_pool

    def spin(_):
        end = time.time() + 60
        while time.time() < end:
            pass

    if __name__ == "__main__":
        with process_pool(2) as pool:
            futures = [pool.submit(spin, i) for i in range(2)]
            time.sleep(1.5)
            print(" ".join(str(p) for p in pool._processes), flush=True)
            for f in futures:
                f.result()
""")


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_when_the_stage_is_killed(tmp_path: Path, sig: int) -> None:
    script = tmp_path / "stage.py"
    script.write_text(SCRIPT)
    stage = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in stage.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    os.kill(stage.pid, sig)
    stage.wait(10)
    deadline = time.time() + 5
    while any(_alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.1)
    left = [p for p in workers if _alive(p)]
    for p in left:  # do not leave them behind if the test fails
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their stage ({signal.Signals(sig).name})"
