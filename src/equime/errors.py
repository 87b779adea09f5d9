"""User-facing errors: one line naming the file or key and what to do."""


class EquimeError(Exception):
    """Base of every error the CLI prints as one line (no traceback) and exits 2 on."""


class ParamsError(EquimeError):
    """A value in params.yaml is missing, unknown, mistyped or impossible."""


class InputError(EquimeError):
    """An input file or folder is missing or malformed."""
