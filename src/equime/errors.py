"""User-facing errors: one line naming the file or key and what to do."""

from __future__ import annotations

import errno
import os


class EquimeError(Exception):
    """Base of every error the CLI prints as one line (no traceback) and exits 2 on."""


class ParamsError(EquimeError):
    """A value in params.yaml is missing, unknown, mistyped or impossible."""


class InputError(EquimeError):
    """An input file or folder is missing or malformed."""


class EnvironmentFault(EquimeError):
    """The machine, not an item, is at fault (no space, no permission, a CPU that lacks an
    instruction set, a cluster out of reach, out of memory): the stage stops with one line and
    a non-zero status; the item is neither retried nor rejected."""


# what an OSError's errno says of the machine (a full or read-only disk, a denied write, no file
# handles or memory left): no item can do better, so none is retried or rejected for it
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES,
                                errno.EPERM, errno.EMFILE, errno.ENFILE, errno.ENOMEM})


def environment_fault(exc: BaseException) -> EnvironmentFault | None:
    """``exc`` as the one-line environment error it is, or None when it is an item's fault."""
    if isinstance(exc, EnvironmentFault):
        return exc
    if isinstance(exc, MemoryError):
        return EnvironmentFault(f"out of memory ({exc or 'MemoryError'}): free memory, or lower "
                                "the clip size, batch size or workers in params.yaml")
    if isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS:
        where = f": {exc.filename}" if exc.filename else ""
        what = {errno.ENOSPC: "free space on that disk", errno.EDQUOT: "raise the quota",
                errno.EROFS: "write to a writable folder",
                errno.EACCES: "fix the folder's permissions", errno.EPERM:
                "fix the folder's permissions"}.get(exc.errno, "free resources")
        return EnvironmentFault(f"{os.strerror(exc.errno)}{where}; {what} and run it again "
                                "(finished items are kept)")
    return None
