"""DVC stage ``demo``: the embedded public-domain portraits and their annotations (the default
curate source)."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import sources
from equime.demo import write_demo_sources
from equime.runtime import command, log


def main(out: Annotated[Path, typer.Option(help="folder for the photos")] = Path(sources.PATH)) -> None:
    """Write the demo photos and their annotation manifest."""
    for path in write_demo_sources(out):
        log.info("wrote %s", path)


if __name__ == "__main__":
    command(main)
