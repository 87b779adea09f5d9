"""ME-VQA question–answer records of a clip, in the MEGC challenge's templates.

The MEGC 2025 ME-VQA training file (``me_vqa_samm_casme2_smic.jsonl`` of the public repository
noobasuna/mevqa) asks each clip, in this order: its coarse class, its fine-grained class, its
action unit(s) (FACS names, comma-separated, in AU order), the side of a one-sided AU, whether
an AU is shown (one that is: yes; one that is not: no) and the combined question, whose answer
is one fixed sentence. Every answer here comes from the clip's ground truth (its planned AUs,
sides and emotion, measured visible by the quality stage before it was exported); the AU asked
about and not shown is drawn, seeded by the clip, from the catalogue's other AUs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from equime.datasets.labels import megc3
from equime.facs import AUS, get_au

COARSE = "What is the coarse expression class?"
FINE = "What is the fine-grained expression class?"
ONE_AU = "What is the action unit?"
AUS_Q = "What are the action units?"
SHOWN = "Is the action unit {name} shown on the face?"
SIDE = "Is the action unit {name} located on the left or right face?"
COMBINED_ONE = ("What is the action unit present, and based on it, what is the fine-grained "
                "expression and the coarse expression class?")
COMBINED = ("What are the action units present, and based on them, what is the fine-grained "
            "expression and the coarse expression class?")
SENTENCE_ONE = ("The action unit present is: {aus}. Therefore, the fine-grained expression class "
                "is {fine}, and the coarse expression class is {coarse}.")
SENTENCE = ("The action units present are: {aus}. Therefore, the fine-grained expression class "
            "is {fine}, and the coarse expression class is {coarse}.")
SIDES = {"L": "left", "R": "right"}  # FACS prefixes: the subject's own left and right


@dataclass(frozen=True)
class QA:
    kind: str  # coarse | fine | aus | side | shown | combined (the question type, for scoring)
    question: str
    answer: str


def au_name(code: str) -> str:
    """The FACS name of an AU whatever its side (``L12`` → lip corner puller)."""
    return get_au(code.lstrip("LR")).name


def questions(emotion: str, aus: Sequence[str], seed: int) -> list[QA]:
    """The clip's questions and answers (``aus``: its AU codes, ``L``/``R`` for one side)."""
    coarse = megc3("synthetic", emotion)
    if coarse is None:
        raise ValueError(f"emotion {emotion!r} has no MEGC class")
    numbers = sorted({c.lstrip("LR") for c in aus}, key=int)
    names = ", ".join(au_name(n) for n in numbers)
    out = [QA("coarse", COARSE, coarse), QA("fine", FINE, emotion),
           QA("aus", ONE_AU if len(numbers) == 1 else AUS_Q, names)]
    out += [QA("side", SIDE.format(name=au_name(c)), SIDES[c[0]])
            for c in sorted(aus, key=lambda c: int(c.lstrip("LR"))) if c[0] in SIDES]
    rng = np.random.default_rng(seed)
    shown = numbers[int(rng.integers(len(numbers)))]
    others = sorted((c for c in AUS if c.isdigit() and c not in numbers), key=int)
    absent = others[int(rng.integers(len(others)))]
    pair = [QA("shown", SHOWN.format(name=au_name(shown)), "yes"),
            QA("shown", SHOWN.format(name=au_name(absent)), "no")]
    out += pair if rng.random() < 0.5 else pair[::-1]
    one = len(numbers) == 1
    out.append(QA("combined", COMBINED_ONE if one else COMBINED,
                  (SENTENCE_ONE if one else SENTENCE).format(aus=names, fine=emotion,
                                                             coarse=coarse)))
    return out


def kind_of(question: str) -> str:
    """The type of a question of these templates (how a prediction of it is scored)."""
    for kind, template in (("coarse", COARSE), ("fine", FINE), ("aus", ONE_AU), ("aus", AUS_Q),
                           ("combined", COMBINED_ONE), ("combined", COMBINED)):
        if question == template:
            return kind
    if question.startswith("Is the action unit ") and question.endswith(" shown on the face?"):
        return "shown"
    if question.endswith(" located on the left or right face?"):
        return "side"
    raise ValueError(f"not an ME-VQA question: {question!r}")


def held_out(subjects: Sequence[str], fraction: float, seed: int) -> frozenset[str]:
    """The subjects whose clips form the test split: ``round(fraction × n)`` of them (at least
    one when there are two or more and ``fraction`` > 0), drawn by ``seed``: no subject is in
    both splits."""
    ordered = sorted(set(subjects))
    k = round(fraction * len(ordered))
    if fraction > 0 and len(ordered) >= 2:
        k = min(max(k, 1), len(ordered) - 1)
    picked = np.random.default_rng(seed).permutation(len(ordered))[:k]
    return frozenset(ordered[i] for i in picked)


def records(dataset: str, video_name: str, video: str, subject: str, emotion: str,
            aus: Sequence[str], onset_frame: int, offset_frame: int, seed: int,
            test: bool) -> list[dict[str, object]]:
    """The clip's rows: the training file's (``id, dataset, image_id, subject, filename,
    question, answer``) or, for a test subject, the test file's (``id, video_id, video,
    subject, onset_frame, offset_frame, question, answer``) with the answer given (the answers
    file; the test file has the same rows with empty answers)."""
    out: list[dict[str, object]] = []
    for k, qa in enumerate(questions(emotion, aus, seed), start=1):
        key = f"{dataset}_{video_name}_{k}"
        if test:
            out.append({"id": key, "video_id": video_name, "video": video, "subject": subject,
                        "onset_frame": onset_frame, "offset_frame": offset_frame,
                        "question": qa.question, "answer": qa.answer})
        else:
            out.append({"id": key, "dataset": dataset, "image_id": video_name, "subject": subject,
                        "filename": video, "question": qa.question, "answer": qa.answer})
    return out
