"""Pass/fail per clip from its quality record, with every failing reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

from equime.artifacts.verdicts import COLUMNS
from equime.quality.params import FilterParams

# each check's failing reason starts with its phrase (below) and is counted under its name
CHECKS: dict[str, str] = {
    "psnr": "psnr", "no micro-expression": "visible", "movement not subtle": "subtle",
    "never returns to neutral": "returns", "not brief": "brief",
    "not still outside the expression": "still", "head motion": "head_motion",
    "planned AUs not visible": "au_fidelity", "identity drift": "identity",
}


def verdict(record: dict[str, Any], t: FilterParams) -> list[str]:
    """The reasons a clip fails (empty: it passes)."""
    reasons = []
    psnr = record.get("standard_psnr_mean")
    if psnr is not None and psnr == psnr and psnr < t.min_psnr_db:
        reasons.append(f"psnr {psnr:.1f} dB < {t.min_psnr_db}")
    peak = record["peak_motion_px"]
    if not t.peak_motion_px[0] <= peak <= t.peak_motion_px[1]:
        what = "no micro-expression" if peak < t.peak_motion_px[0] else "movement not subtle"
        blinks = record.get("blinks") or 0
        seen = f" (blinks seen: {blinks}, frames {record['blink_frames']})" if blinks else ""
        reasons.append(f"{what}: peak {peak:.2f} px outside {list(t.peak_motion_px)}{seen}")
    if peak > 0:
        if not record["returns_to_neutral"]:
            reasons.append("never returns to neutral: still moving at the last frame")
        if record["duration_s"] > t.max_duration_s:
            reasons.append(f"not brief: expression lasts {record['duration_s']:.2f} s > "
                           f"{t.max_duration_s} s")
        if record["moving_outside_frames"]:
            reasons.append(f"not still outside the expression: {record['moving_outside_frames']} "
                           "other frames move")
    if record["head_motion_px"] > t.max_head_motion_px:
        reasons.append(f"head motion {record['head_motion_px']:.2f} px > {t.max_head_motion_px}")
    fidelity = record["au_fidelity"]  # NaN: nothing was planned, nothing to check
    if fidelity == fidelity and fidelity < t.min_au_fidelity:
        reasons.append(f"planned AUs not visible: fidelity {record['au_fidelity']:.2f} < "
                       f"{t.min_au_fidelity} (missing {record['aus_missing'] or '-'})")
    return reasons


def verdict_table(quality: pd.DataFrame, t: FilterParams,
                  identity_flags: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Verdicts for every measured clip; ``identity_flags`` (clip → the attributes stage's
    flags, '' when consistent) fail flagged clips when ``t.identity_consistency``."""
    rows = []
    for record in quality.to_dict("records"):
        reasons = verdict(record, t)
        flags = (identity_flags or {}).get(record["clip_id"], "")
        if t.identity_consistency and flags:
            reasons.append(f"identity drift: {flags.replace(';', ', ')}")
        rows.append({"clip_id": record["clip_id"], "passed": not reasons,
                     "reasons": "; ".join(reasons)})
    return pd.DataFrame(rows, columns=COLUMNS)


def check_of(reason: str) -> str:
    """The name of the check a failing ``reason`` comes from (:data:`CHECKS`)."""
    for phrase, name in CHECKS.items():
        if reason.startswith(phrase):
            return name
    raise ValueError(f"reason {reason!r} names no check of {list(CHECKS)}")


def filter_metrics(table: pd.DataFrame) -> dict[str, Any]:
    kinds = Counter(check_of(r) for rs in table["reasons"] if rs for r in rs.split("; "))
    return {"clips": len(table), "passed": int(table["passed"].sum()),
            "failed": int((~table["passed"]).sum()), "failures_by_check": dict(sorted(kinds.items()))}
