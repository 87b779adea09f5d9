"""User-facing errors: one line naming the file or key and what to do."""


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
