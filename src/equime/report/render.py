"""Render the report with Jinja2 (autoescaping on: every data string is escaped)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from equime.report.sections import (
    Section,
    baselines_section,
    dataset_section,
    longvideo_section,
    provenance_section,
    quality_section,
    retime_section,
    review_section,
)

log = logging.getLogger(__name__)
PACKAGE_DATA = ("report/templates",)


def environment() -> Environment:
    return Environment(loader=PackageLoader("equime.report", "templates"),
                       autoescape=select_autoescape(["html", "j2"], default=True),
                       keep_trailing_newline=True)


def render_report(title: str, sections: Sequence[Section]) -> str:
    """No clock in the page: the same inputs give the same bytes."""
    return environment().get_template("index.html.j2").render(title=title, sections=sections)


def build_report(title: str, params: Path, dataset: Path | None = None,
                 demographics: Path | None = None, summaries: Path | None = None,
                 quality: Path | None = None, verdicts: Path | None = None,
                 baselines: Path | None = None, review: Path | None = None,
                 lock: Path | None = None, videos: Path | None = None,
                 clips: Path | None = None, longvideo: Path | None = None,
                 summary_table: Path | None = None, balance: Path | None = None,
                 scores: Path | None = None) -> str:
    """The report stage: every section from the folders given (a section whose inputs are
    absent says so), as one HTML page."""
    sections = [
        dataset_section(dataset, demographics, balance),
        quality_section(summaries, summary_table, quality, verdicts),
        retime_section(videos, clips),
        longvideo_section(longvideo),
        baselines_section(baselines, scores),
        review_section(review),
        provenance_section(params, lock),
    ]
    for s in sections:
        if s.missing:
            log.info("report: %s: %s", s.title, s.missing)
    return render_report(title, sections)
