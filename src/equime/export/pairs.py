"""Video–text pairs for vision-language models (``pairs.jsonl`` beside the dataset).

Every caption is derived from the clip's metadata (its plan and, where present, its
measurements); nothing is invented. Timings are the metadata's, rounded to 0.01 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from equime.artifacts.metadata import AUEntry, ClipMetadata

MICRO_MAX_S = 0.5  # an expression whose onset → offset lasts at most this long is micro


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def au_caption(meta: ClipMetadata) -> str:
    """'AU6 cheek raiser and AU12 lip corner puller, intensity B, onset 2.71 s, apex 2.83 s,
    offset 2.92 s' (per-AU letters when they differ)."""
    aus: list[AUEntry] = meta.generation.aus
    t = meta.generation.timing
    letters = {a.letter for a in aus}
    if len(letters) == 1:
        text = f"{_join([f'AU{a.code} {a.name}' for a in aus])}, intensity {letters.pop()}"
    else:
        text = _join([f"AU{a.code} {a.name} (intensity {a.letter})" for a in aus])
    return (f"{text}, onset {_seconds(t.onset_s)}, apex {_seconds(t.apex_s)}, "
            f"offset {_seconds(t.offset_s)}")


def natural_caption(meta: ClipMetadata) -> str:
    t = meta.generation.timing
    movements = _join([a.name for a in meta.generation.aus])
    return (f"A still face shows a brief, subtle {meta.emotion} micro-expression: {movements}, "
            f"lasting {t.duration_s * 1000:.0f} ms and peaking at {_seconds(t.apex_s)}, "
            "then returns to neutral.")


def _micro_answer(meta: ClipMetadata) -> str:
    quality = meta.quality or {}
    lasts = quality.get("duration_s")
    if isinstance(lasts, int | float):
        kind = "micro-expression" if lasts <= MICRO_MAX_S else "macro-expression"
        return (f"A {kind}: measured from onset to offset in {lasts:.3f} s "
                f"(micro: ≤ {MICRO_MAX_S} s).")
    t = meta.generation.timing
    return (f"A micro-expression: planned to last {t.duration_s:.3f} s from onset to offset "
            f"(micro: ≤ {MICRO_MAX_S} s).")


def qa_pairs(meta: ClipMetadata) -> list[dict[str, str]]:
    t = meta.generation.timing
    return [
        {"question": "Which emotion does the person briefly show?", "answer": meta.emotion},
        {"question": "Which facial action units are active?",
         "answer": _join([f"AU{a.code} ({a.name})" for a in meta.generation.aus])},
        {"question": "When is the expression at its apex?",
         "answer": f"At {_seconds(t.apex_s)} (frame {t.apex_frame})."},
        {"question": "Is this a micro-expression or a macro-expression?",
         "answer": _micro_answer(meta)},
    ]


def pair_record(meta: ClipMetadata) -> dict[str, Any]:
    t = meta.generation.timing
    return {
        "clip_id": meta.clip_id,
        "video": meta.file,
        "emotion": meta.emotion,
        "subject": meta.subject,
        "aus": [a.code for a in meta.generation.aus],
        "onset_s": t.onset_s, "apex_s": t.apex_s, "offset_s": t.offset_s,
        "prompt": meta.generation.prompt,
        "au_caption": au_caption(meta),
        "caption": natural_caption(meta),
        "qa": qa_pairs(meta),
    }
