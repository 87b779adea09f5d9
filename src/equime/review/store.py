"""Ratings in SQLite: one row per rater × clip, written in one transaction (a rater who submits
again replaces their rating; two raters submitting at once both land)."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from equime.artifacts.ratings import RATING_COLUMNS, SAMPLE_COLUMNS

SCHEMA = """
CREATE TABLE IF NOT EXISTS raters (name TEXT PRIMARY KEY, token TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS clips (clip_id TEXT PRIMARY KEY, video TEXT NOT NULL,
                                  emotion TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (
    rater TEXT NOT NULL REFERENCES raters(name), clip_id TEXT NOT NULL REFERENCES clips(clip_id),
    emotion TEXT NOT NULL, visible INTEGER NOT NULL, timing TEXT NOT NULL,
    realism INTEGER NOT NULL, artefacts TEXT NOT NULL, PRIMARY KEY (rater, clip_id));
"""


@dataclass(frozen=True)
class Rating:
    emotion: str
    visible: bool
    timing: str
    realism: int
    artefacts: str


class ReviewStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # takes the write lock now: no lost updates
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def add_raters(self, names: Sequence[str]) -> dict[str, str]:
        """Tokens per rater name; existing raters keep theirs (links stay valid)."""
        with self._transaction() as db:
            for name in names:
                db.execute("INSERT OR IGNORE INTO raters VALUES (?, ?)",
                           (name, secrets.token_urlsafe(16)))
            rows = db.execute("SELECT name, token FROM raters").fetchall()
        return {n: t for n, t in rows if n in set(names)}

    def set_clips(self, clips: pd.DataFrame) -> None:
        """The review sample (clip_id, video, emotion); kept if already set, so ratings stay."""
        with self._transaction() as db:
            if db.execute("SELECT COUNT(*) FROM clips").fetchone()[0]:
                return
            db.executemany("INSERT INTO clips VALUES (?, ?, ?, ?)",
                           [(r.clip_id, r.video, r.emotion, i)
                            for i, r in enumerate(clips.itertuples())])

    def rater(self, token: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT name FROM raters WHERE token = ?", (token,)).fetchone()
        return row[0] if row else None

    def clip(self, clip_id: str) -> tuple[str, str] | None:
        """(video path in the dataset, planned emotion)."""
        with self._connect() as db:
            row = db.execute("SELECT video, emotion FROM clips WHERE clip_id = ?",
                             (clip_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def progress(self, rater: str) -> tuple[str | None, int, int]:
        """The rater's next unrated clip (None when done), how many rated, how many in all."""
        with self._connect() as db:
            total = db.execute("SELECT COUNT(*) FROM clips").fetchone()[0]
            done = db.execute("SELECT COUNT(*) FROM ratings WHERE rater = ?", (rater,)).fetchone()[0]
            row = db.execute(
                "SELECT clip_id FROM clips WHERE clip_id NOT IN "
                "(SELECT clip_id FROM ratings WHERE rater = ?) ORDER BY position LIMIT 1",
                (rater,)).fetchone()
        return (row[0] if row else None), done, total

    def save(self, rater: str, clip_id: str, rating: Rating) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (rater, clip_id, rating.emotion, int(rating.visible), rating.timing,
                        rating.realism, rating.artefacts))

    def ratings(self) -> pd.DataFrame:
        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(RATING_COLUMNS)} FROM ratings "
                              "ORDER BY clip_id, rater").fetchall()
        return pd.DataFrame(rows, columns=RATING_COLUMNS)

    def planned(self) -> pd.DataFrame:
        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM clips "
                              "ORDER BY position").fetchall()
        return pd.DataFrame(rows, columns=SAMPLE_COLUMNS)
