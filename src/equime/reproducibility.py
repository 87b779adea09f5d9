"""What a run must reproduce byte for byte on any machine, checked against a reference
``dvc.lock`` (CI: the committed one, ``git show HEAD:dvc.lock``).

Everything up to the exported dataset is integer or rounded arithmetic on fixed inputs with
per-clip seeds (plan, videos, metadata, quality numbers, attributes from annotations): it must be
identical anywhere, and a difference fails. Training runs float kernels whose reduction order
depends on the CPU's instruction set (AVX2 vs AVX-512) even on one thread: weights may differ in
the last bits, so train@/evaluate@ and what embeds them (the report) are listed, not failed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# stage (before any "@") → why its outputs may differ across machines
MAY_DIFFER: dict[str, str] = {
    "train": "float training kernels depend on the CPU's instruction set",
    "evaluate": "scores the trained weights' predictions",
    "report": "embeds the commit and the hashes of every output, train's included",
}


@dataclass
class LockDiff:
    failures: list[str] = field(default_factory=list)  # must be identical, and is not
    listed: list[str] = field(default_factory=list)  # may differ (and does), with the reason

    @property
    def ok(self) -> bool:
        return not self.failures


def _outs(lock: Mapping[str, Any]) -> dict[tuple[str, str], str | None]:
    """(stage, output path) → its hash in a parsed dvc.lock."""
    found: dict[tuple[str, str], str | None] = {}
    for stage, entry in (lock.get("stages") or {}).items():
        for out in entry.get("outs") or []:
            found[(stage, out["path"])] = out.get("md5") or out.get("etag")
    return found


def compare(reference: Mapping[str, Any], current: Mapping[str, Any]) -> LockDiff:
    """Each output of ``current`` against ``reference`` (both parsed dvc.lock files)."""
    ref, cur = _outs(reference), _outs(current)
    diff = LockDiff()
    for stage, path in sorted(set(ref) | set(cur)):
        a, b = ref.get((stage, path)), cur.get((stage, path))
        if a == b:
            continue
        what = ("missing here" if b is None else "not in the reference" if a is None
                else f"{a[:8]} → {b[:8]}")
        reason = MAY_DIFFER.get(stage.split("@", 1)[0])
        if reason is None:
            diff.failures.append(f"{stage}: {path} ({what})")
        else:
            diff.listed.append(f"{stage}: {path} ({what}; may differ: {reason})")
    return diff


def main(argv: list[str]) -> int:
    """``python -m equime.reproducibility [REV]``: this checkout's dvc.lock against ``REV``'s
    (default HEAD); exit 1 when an output that must be identical differs."""
    rev = argv[0] if argv else "HEAD"
    try:
        text = subprocess.run(["git", "show", f"{rev}:dvc.lock"], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"dvc.lock at {rev}: cannot read it ({exc}); commit a dvc.lock first")
        return 2
    diff = compare(yaml.safe_load(text), yaml.safe_load(Path("dvc.lock").read_text()))
    for line in diff.listed:
        print(f"differs (allowed): {line}")
    for line in diff.failures:
        print(f"DIFFERS: {line}")
    print(f"outputs vs {rev}: " + ("every output that must be identical is identical"
                                   if diff.ok else f"{len(diff.failures)} must-be-identical "
                                   "output(s) differ"))
    return 0 if diff.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
