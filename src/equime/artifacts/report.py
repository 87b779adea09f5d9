"""The report (``report/index.html``): one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

from equime.files import write_text

PATH = "report"
FILES = ("index.html",)


def write(out: Path, html: str) -> None:
    write_text(out / "index.html", html)
