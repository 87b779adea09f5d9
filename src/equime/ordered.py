"""Per-clip tables read beside the plan, a record at a time: every stage writes its per-clip
table in plan order (a subsequence of it: clips it refused are absent), so a reader walking the
plan needs only the next record of each, and memory stays flat in the number of clips."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from equime.errors import InputError

T = TypeVar("T")
_END = object()


class InPlanOrder(Generic[T]):
    """``(clip_id, record)`` pairs in plan order, looked up by a walk of the plan: ``get`` is
    asked for every planned clip, in order; a table out of that order (or listing a clip the plan
    does not have, or one twice) is left over at :meth:`finish`, an error naming ``what``."""

    def __init__(self, pairs: Iterable[tuple[str, T]], what: str) -> None:
        self._pairs: Iterator[tuple[str, T]] = iter(pairs)
        self.what = what
        self._next: tuple[str, T] | object = next(self._pairs, _END)

    def get(self, clip_id: str) -> T | None:
        """The record of ``clip_id`` if the table has one next, else None."""
        if self._next is _END or self._next[0] != clip_id:  # type: ignore[index]
            return None
        record: T = self._next[1]  # type: ignore[index]
        self._next = next(self._pairs, _END)
        return record

    def finish(self) -> None:
        if self._next is not _END:
            raise InputError(f"{self.what}: {self._next[0]!r} is out of the plan's order, twice "  # type: ignore[index]
                             "or not planned; rerun the stage that writes it (dvc repro)")


class ByClip(Generic[T]):
    """A table held whole (a few clips, or a sample such as the reviewed ones): any order."""

    def __init__(self, records: Mapping[str, T]) -> None:
        self.records = records

    def get(self, clip_id: str) -> T | None:
        return self.records.get(clip_id)

    def finish(self) -> None:
        pass


def lookup(table: Mapping[str, T] | InPlanOrder[T] | ByClip[T] | None,
           ) -> InPlanOrder[T] | ByClip[T] | None:
    """A table as export looks it up: a mapping held whole, or a stream in plan order."""
    return ByClip(table) if isinstance(table, Mapping) else table
