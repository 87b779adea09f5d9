"""The long videos (``data/longvideo``): ``videos/<video_id>.mp4`` (+ ``.json``: what made it),
their ground truth as the field keeps it (``events.csv``, SAMM-Long-Videos style: one row per
expression with onset, apex, offset, duration, type, AUs and emotion; ``me_spotting.csv`` and
``mae_spotting.csv``, the MEGC spotting CSVs ``subject, video, onset, offset, emotion`` of the
micro- and macro-expressions), ``me_lvqa.jsonl`` (ME-LVQA questions) and the baseline spotter's
``spots.csv`` (the same five columns plus its type, apex and AUs)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from equime.files import write_csv, write_json, write_jsonl

PATH = "data/longvideo"
FILES = ("videos/*.mp4", "videos/*.json", "events.csv", "me_spotting.csv", "mae_spotting.csv",
         "me_lvqa.jsonl", "spots.csv")
WRITER = "dvc repro longvideo"
EVENT_COLUMNS = ["Subject", "Filename", "Onset", "Apex", "Offset", "Duration", "Type",
                 "Action Units", "Emotion", "fps"]
SPOT_COLUMNS = ["subject", "video", "onset", "offset", "emotion"]
SAMM_TYPE = {"ME": "Micro - 1/2", "MaE": "Macro"}  # SAMM-LV's names (ME: at most 1/2 s)


def video_path(out: Path, video_id: str) -> Path:
    return out / "videos" / f"{video_id}.mp4"


class LongVideoRecord(BaseModel):
    """A long video's sidecar: what made it (the key a rerun compares) and its bytes' digests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    video_id: str
    subject: str
    key: str  # everything the video's bytes depend on
    seed: int
    fps: int
    frames: int
    sha256: str  # of the MP4
    frames_sha256: str  # of the frames before encoding


def read_sidecar(out: Path, video_id: str) -> LongVideoRecord | None:
    """The video's sidecar, or None when it is absent, unreadable or of another layout (the
    video is made again)."""
    path = out / "videos" / f"{video_id}.json"
    try:
        return LongVideoRecord.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def write_sidecar(out: Path, record: LongVideoRecord) -> None:
    write_json(out / "videos" / f"{record.video_id}.json", record.model_dump(mode="json"))


def write_tables(out: Path, events: Sequence[dict[str, Any]], spots: Sequence[dict[str, Any]],
                 lvqa: Sequence[dict[str, Any]]) -> None:
    """The truth (every event row: ``EVENT_COLUMNS`` plus its MEGC class ``coarse``), the
    spotting CSVs made from it, the questions and the baseline's spots."""
    table = pd.DataFrame(list(events), columns=[*EVENT_COLUMNS, "coarse"])
    write_csv(out / "events.csv", table[EVENT_COLUMNS])
    for name, kind in (("me_spotting.csv", SAMM_TYPE["ME"]), ("mae_spotting.csv", SAMM_TYPE["MaE"])):
        rows = table[table["Type"] == kind]
        write_csv(out / name, pd.DataFrame({
            "subject": rows["Subject"], "video": rows["Filename"], "onset": rows["Onset"],
            "offset": rows["Offset"], "emotion": rows["coarse"]}, columns=SPOT_COLUMNS))
    write_csv(out / "spots.csv", pd.DataFrame(list(spots), columns=[
        *SPOT_COLUMNS, "type", "apex", "aus", "fine"]))
    write_jsonl(out / "me_lvqa.jsonl", lvqa)


def read_spots(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "spots.csv", dtype={"subject": str, "video": str, "aus": str},
                       keep_default_na=False)
