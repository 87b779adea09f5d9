"""A stage's per-item work, as every engine runs it: set up once per worker, then called item by
item; an item that raises is tried again, then returned as :class:`Failed` with its reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from equime.errors import environment_fault

log = logging.getLogger(__name__)
I = TypeVar("I")  # noqa: E741 - the item type
R = TypeVar("R")


@dataclass(frozen=True)
class Failed:
    """An item that raised on every try: the last error, one line."""

    reason: str


class Work(Generic[I, R]):
    """Per-item work. An instance holds configuration only (paths, frozen params): engines pickle
    it to their workers; :meth:`setup` then loads what serving items needs (a model, a detector)
    once per worker. Attributes whose name starts with ``_`` are that loaded state: never pickled.
    """

    holds_model = False  # True: on Ray, an actor pool keeps it loaded (Ray Data); False: Ray tasks

    def setup(self) -> None:
        """Load what :meth:`__call__` needs; an error here stops the stage."""

    def __call__(self, item: I) -> R:
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def describe(exc: BaseException) -> str:
    """An error as one line: ``Type: message``."""
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def attempt(work: Work[I, R], item: I, tries: int) -> R | Failed:
    """``work(item)``, tried up to ``tries`` times while it raises; then :class:`Failed`. An
    environment error (:func:`~equime.errors.environment_fault`: no space, no permission, out of
    memory) is raised at once as an :class:`~equime.errors.EnvironmentFault`: it is the
    machine's, not the item's, and stops the stage."""
    reason = ""
    for n in range(1, tries + 1):
        try:
            return work(item)
        except (Exception, MemoryError) as exc:  # an item's fault: tried again, then recorded
            if (fault := environment_fault(exc)) is not None:
                raise fault from None
            reason = describe(exc)
            log.warning("try %d of %d failed: %s", n, tries, reason)
    return Failed(reason)
