"""Render the report with Jinja2 (autoescaping on: every data string is escaped)."""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import Environment, PackageLoader, select_autoescape

from equime.report.sections import Section


def environment() -> Environment:
    return Environment(loader=PackageLoader("equime.report", "templates"),
                       autoescape=select_autoescape(["html", "j2"], default=True),
                       keep_trailing_newline=True)


def render_report(title: str, sections: Sequence[Section]) -> str:
    """No clock in the page: the same inputs give the same bytes."""
    return environment().get_template("index.html.j2").render(title=title, sections=sections)
