"""Ratings in SQLite, in a file only its owner can read (mode 0600). Every submission is kept
(``rating_history``, append-only, numbered); ``ratings`` holds the current one per rater × clip
(the latest), both written in one transaction, so two raters submitting at once both land.
Rater tokens are stored as their sha256 only."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from equime.artifacts.ratings import RATING_COLUMNS, SAMPLE_COLUMNS

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS raters (name TEXT PRIMARY KEY, token_sha256 TEXT UNIQUE NOT NULL)",
    """CREATE TABLE IF NOT EXISTS clips (clip_id TEXT PRIMARY KEY, video TEXT NOT NULL,
                                         emotion TEXT NOT NULL, position INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ratings (
        rater TEXT NOT NULL REFERENCES raters(name), clip_id TEXT NOT NULL REFERENCES clips(clip_id),
        emotion TEXT NOT NULL, visible INTEGER NOT NULL, timing TEXT NOT NULL,
        realism INTEGER NOT NULL, artefacts TEXT NOT NULL, PRIMARY KEY (rater, clip_id))""",
    # at: UTC time of the submission; NULL for ratings made before the history was kept
    """CREATE TABLE IF NOT EXISTS rating_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT,
        rater TEXT NOT NULL REFERENCES raters(name), clip_id TEXT NOT NULL REFERENCES clips(clip_id),
        emotion TEXT NOT NULL, visible INTEGER NOT NULL, timing TEXT NOT NULL,
        realism INTEGER NOT NULL, artefacts TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS rating_history_key ON rating_history (rater, clip_id, seq)",
)
HISTORY_COLUMNS = ["seq", "at", *RATING_COLUMNS, "superseded"]
FREE_TEXT = ("rater", "artefacts")  # columns no choice list constrains: made formula-safe on export


@dataclass(frozen=True)
class Rating:
    emotion: str
    visible: bool
    timing: str
    realism: int
    artefacts: str


def token_digest(token: str) -> str:
    """sha256 of a rater token. Unsalted and fast on purpose: tokens are random 128-bit secrets
    (not passwords), so a dictionary or brute-force attack on the hash is hopeless."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _private_file(path: Path) -> None:
    """Create ``path`` (and chmod an existing one, with its WAL files) to mode 0600; SQLite
    gives the -wal and -shm files it creates the database file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for p in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if p.exists():
            os.chmod(p, 0o600)


class ReviewStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        _private_file(path)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
        with self._transaction() as db:
            hashed = self._migrate_tokens(db)
            backfill = not _has_table(db, "rating_history") and _has_table(db, "ratings")
            for statement in SCHEMA:
                db.execute(statement)
            if backfill:  # a database from before the history: its ratings open the history
                db.execute(f"INSERT INTO rating_history (at, {', '.join(RATING_COLUMNS)}) "
                           f"SELECT NULL, {', '.join(RATING_COLUMNS)} FROM ratings "
                           "ORDER BY clip_id, rater")
        if hashed:
            with self._connect() as db:
                db.execute("VACUUM")  # rewrite the file: no page keeps a plain token
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @staticmethod
    def _migrate_tokens(db: sqlite3.Connection) -> bool:
        """Hash the plain tokens of a database from before they were hashed; True if it did."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(raters)")}
        if "token" not in columns:
            return False
        rows = db.execute("SELECT name, token FROM raters").fetchall()
        db.execute("ALTER TABLE raters RENAME COLUMN token TO token_sha256")
        db.executemany("UPDATE raters SET token_sha256 = ? WHERE name = ?",
                       [(token_digest(token), name) for name, token in rows])
        return True

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA secure_delete=ON")  # deleted rows (a migrated plain token) are zeroed
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
        """Tokens of the raters added now. Existing raters keep theirs (their links stay valid),
        but only its hash is stored, so their tokens cannot be shown again."""
        new = {}
        with self._transaction() as db:
            for name in names:
                token = secrets.token_urlsafe(16)
                if db.execute("INSERT OR IGNORE INTO raters VALUES (?, ?)",
                              (name, token_digest(token))).rowcount:
                    new[name] = token
        return new

    def set_clips(self, clips: pd.DataFrame) -> None:
        """The review sample (clip_id, video, emotion); kept if already set, so ratings stay."""
        with self._transaction() as db:
            if db.execute("SELECT COUNT(*) FROM clips").fetchone()[0]:
                return
            db.executemany("INSERT INTO clips VALUES (?, ?, ?, ?)",
                           [(r.clip_id, r.video, r.emotion, i)
                            for i, r in enumerate(clips.itertuples())])

    def rater(self, token: str) -> str | None:
        """The rater whose token this is: every stored hash is compared, in constant time."""
        digest = token_digest(token)
        with self._connect() as db:
            rows = db.execute("SELECT name, token_sha256 FROM raters").fetchall()
        found = None
        for name, stored in rows:
            if hmac.compare_digest(stored, digest):
                found = name
        return found

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
        """Append to the history and make this the rater's current rating of the clip."""
        values = (rater, clip_id, rating.emotion, int(rating.visible), rating.timing,
                  rating.realism, rating.artefacts)
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._transaction() as db:
            db.execute(f"INSERT INTO rating_history (at, {', '.join(RATING_COLUMNS)}) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (at, *values))
            db.execute("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?)", values)

    def ratings(self) -> pd.DataFrame:
        """The current (latest) rating per rater × clip, as exported: free text formula-safe."""
        from equime.review.results import formula_safe

        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(RATING_COLUMNS)} FROM ratings "
                              "ORDER BY clip_id, rater").fetchall()
        return formula_safe(pd.DataFrame(rows, columns=RATING_COLUMNS), FREE_TEXT)

    def history(self) -> pd.DataFrame:
        """Every rating ever submitted, in order (seq), ``superseded`` where the same rater rated
        the clip again later; free text formula-safe, as in :meth:`ratings`."""
        from equime.review.results import formula_safe

        with self._connect() as db:
            rows = db.execute(
                f"SELECT h.seq, h.at, {', '.join(f'h.{c}' for c in RATING_COLUMNS)}, "
                "EXISTS (SELECT 1 FROM rating_history l WHERE l.rater = h.rater "
                "AND l.clip_id = h.clip_id AND l.seq > h.seq) FROM rating_history h "
                "ORDER BY h.seq").fetchall()
        table = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
        table["superseded"] = table["superseded"].astype(bool)
        return formula_safe(table, FREE_TEXT)

    def planned(self) -> pd.DataFrame:
        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM clips "
                              "ORDER BY position").fetchall()
        return pd.DataFrame(rows, columns=SAMPLE_COLUMNS)


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (name,)).fetchone() is not None
