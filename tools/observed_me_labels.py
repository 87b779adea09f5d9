"""Count what real micro-expressions fire: the tables behind ``plan.au_source: observed``.

Reads two public label files (passed as paths; neither is copied into the package) and writes
counts only, with their provenance, to ``src/equime/data/``:

- SAMM's labels as the MEGC ME-VQA training file states them (``me_vqa_samm_casme2_smic.jsonl``
  of the public repository noobasuna/mevqa): per clip its fine-grained class, its action units
  (FACS names) and, where asked, the side of one of them;
- CASME II's annotations (``bob/db/casme2/annotations.csv`` of the public repository
  bioidiap/bob.db.casme2): per sample emotion, AUs (FACS codes, L/R prefixes) and onset, apex and
  offset frames at 200 fps.

    python tools/observed_me_labels.py MEVQA.jsonl CASME2.csv [--out src/equime/data]

Outputs: ``me_au_combinations.csv`` (dataset, emotion, aus, clips): how many clips of each
emotion fire exactly that AU combination, in FACS notation (``4+L10``: AU10 on the subject's
left); ``me_timing.csv`` (dataset, emotion, duration_s, rise_fraction): each CASME II sample's
onset → offset and the share of it before the apex (every coded sample with onset < apex <
offset, whatever its emotion).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

# FACS names as the ME-VQA answers spell them → AU number (FACS manual, Ekman et al. 2002)
FACS_NAMES = {
    "inner brow raiser": 1, "outer brow raiser": 2, "brow lowerer": 4, "upper lid raiser": 5,
    "cheek raiser": 6, "lid tightener": 7, "nose wrinkler": 9, "upper lip raiser": 10,
    "nasolabial deepener": 11, "lip corner puller": 12, "sharp lip puller": 13, "dimpler": 14,
    "lip corner depressor": 15, "lower lip depressor": 16, "chin raiser": 17,
    "lip stretcher": 20,
    "lip puckerer": 18, "neck tightener": 21, "lip funneler": 22, "lip tightener": 23,
    "lip pressor": 24, "lips part": 25, "jaw drop": 26, "mouth stretch": 27, "lip suck": 28,
    "jaw clencher": 31, "nostril dilator": 38, "nostril compress": 39, "nostril compressor": 39,
    "eye closure": 43, "blink": 45, "wink": 46, "head turn left": 51, "head turn right": 52,
    "head up": 53, "head down": 54, "tilt left": 55, "tilt right": 56, "eyes left": 61,
    "eyes right": 62, "eyes up": 63, "eyes down": 64,
}
CASME2_EMOTIONS = ("happiness", "sadness", "surprise", "fear", "disgust")  # not others/repression
FPS_CASME2 = 200


def samm_clips(path: Path) -> list[tuple[str, list[str]]]:
    """(emotion, AU codes with a side prefix where one is stated) per SAMM clip."""
    clips: dict[str, dict] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["dataset"] != "samm":
            continue
        clip, question, answer = clips[q["image_id"]], q["question"], q["answer"]
        if question == "What is the fine-grained expression class?":
            clip["emotion"] = answer.strip().lower()
        elif question in ("What are the action units?", "What is the action unit?"):
            clip["aus"] = [FACS_NAMES[a.strip().lower()] for a in answer.split(",")]
        elif m := re.fullmatch(r"Is the action unit (.+) located on the left or right face\?",
                               question):
            clip.setdefault("sides", {})[FACS_NAMES[m[1].lower()]] = answer.strip().lower()
    out = []
    for clip in clips.values():
        sides = clip.get("sides", {})
        codes = [f"{sides[n][0].upper()}{n}" if n in sides else str(n) for n in clip["aus"]]
        out.append((clip["emotion"], codes))
    return out


def casme2_samples(path: Path) -> list[dict]:
    """Each CASME II sample with usable codes: emotion, AU codes, onset/apex/offset frames."""
    out = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            codes = [a.strip() for a in row["action_units"].split("+")]
            if any(not re.fullmatch(r"[LR]?\d+", c) for c in codes):
                continue  # '?': uncoded
            out.append({"emotion": row["emotion"], "aus": codes, "onset": int(row["onset"]),
                        "apex": int(row["apex"]), "offset": int(row["offset"])})
    return out


def canonical(codes: list[str]) -> str:
    return "+".join(sorted(codes, key=lambda c: (int(c.lstrip("LR")), c)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mevqa", type=Path)
    ap.add_argument("casme2", type=Path)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1]
                    / "src" / "equime" / "data")
    args = ap.parse_args()
    combos: Counter[tuple[str, str, str]] = Counter()
    for emotion, codes in samm_clips(args.mevqa):
        combos["samm", emotion, canonical(codes)] += 1
    samples = casme2_samples(args.casme2)
    timing = []
    for s in samples:  # timing: every coded sample (others and repression are MEs too)
        if s["emotion"] in CASME2_EMOTIONS:
            combos["casme2", s["emotion"], canonical(s["aus"])] += 1
        if s["onset"] < s["apex"] < s["offset"]:
            span = s["offset"] - s["onset"]
            timing.append(("casme2", s["emotion"], round(span / FPS_CASME2, 4),
                           round((s["apex"] - s["onset"]) / span, 4)))
    with (args.out / "me_au_combinations.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "emotion", "aus", "clips"])
        w.writerows(sorted((d, e, a, n) for (d, e, a), n in combos.items()))
    with (args.out / "me_timing.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "emotion", "duration_s", "rise_fraction"])
        w.writerows(sorted(timing))
    print(f"{sum(combos.values())} clips in {len(combos)} combinations; {len(timing)} timings")


if __name__ == "__main__":
    main()
