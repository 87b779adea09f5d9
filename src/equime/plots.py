"""Matplotlib, headless, and figures as reproducible PNG bytes (no software tag, no clock)."""

from __future__ import annotations

import io
from types import ModuleType
from typing import Any


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the Agg backend (imported on first use: ~1 s)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig: Any) -> bytes:
    """The figure as PNG bytes, then closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    pyplot().close(fig)
    return buf.getvalue()
