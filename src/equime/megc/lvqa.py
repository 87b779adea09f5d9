"""ME-LVQA question–answer records of a long video (MEGC 2026's long-video task: counting and
ordering the expressions of a recording, naming its AUs). The challenge's own templates are not
public (arXiv 2603.08927 names the task, not its questions); these follow the ME-VQA file's
style (a plain question, a short answer) and ask what the task names: how many expressions,
how many micro- and macro-expressions, which AUs appear, and the type of the N-th expression.
Every answer comes from the video's ground truth (the events it was rendered from)."""

from __future__ import annotations

from collections.abc import Sequence

from equime.longvideo.events import MICRO, Event
from equime.megc.vqa import au_name

COUNT = "How many facial expression events are there in the video?"
COUNT_ME = "How many micro-expression events are there in the video?"
COUNT_MAE = "How many macro-expression events are there in the video?"
AUS_Q = "Which action units appear in the video?"
NTH = "What is the type of the {ordinal} expression event in the video?"
TYPES = {MICRO: "micro-expression", "MaE": "macro-expression"}


def ordinal(n: int) -> str:
    """1 → first ... 10 → tenth, then 11th, 12th, 21st ..."""
    words = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
             "tenth")
    if n <= len(words):
        return words[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def questions(events: Sequence[Event]) -> list[tuple[str, str, str]]:
    """(kind, question, answer) of a video whose expressions are ``events`` (in time order)."""
    micro = sum(e.kind == MICRO for e in events)
    numbers = sorted({c.lstrip("LR") for e in events for c in e.codes}, key=int)
    out = [("count", COUNT, str(len(events))), ("count_me", COUNT_ME, str(micro)),
           ("count_mae", COUNT_MAE, str(len(events) - micro)),
           ("aus", AUS_Q, ", ".join(au_name(n) for n in numbers) or "none")]
    out += [("nth_type", NTH.format(ordinal=ordinal(k)), TYPES[e.kind])
            for k, e in enumerate(events, start=1)]
    return out


def records(dataset: str, video_id: str, video: str, subject: str,
            events: Sequence[Event]) -> list[dict[str, object]]:
    """The video's rows: ``id, video_id, video, subject, question, answer`` (the ME-VQA test
    file's shape, answers given)."""
    return [{"id": f"{dataset}_{video_id}_{k}", "video_id": video_id, "video": video,
             "subject": subject, "question": q, "answer": a}
            for k, (_, q, a) in enumerate(questions(events), start=1)]
