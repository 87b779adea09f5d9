"""``equime models fetch NAME``: every downloadable weight, and where it goes.

Stages never download implicitly; they load from a local folder or the local cache and say
which fetch to run when the weights are missing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from equime.errors import EquimeError

log = logging.getLogger(__name__)


def fetch_ltx(model: str, revision: str, dest: Path | None = None) -> Path:
    """Download a diffusers LTX-Video repository into the hub cache (or ``dest``)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        path = snapshot_download(repo_id=model, revision=revision,
                                 local_dir=str(dest) if dest else None)
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise EquimeError(f"cannot download {model}@{revision} ({reason}); check the network, the "
                          "model id (generate.ltx.model) and the revision") from None
    log.info("fetched %s@%s into %s", model, revision, path)
    return Path(path)


FETCHERS = {"ltx": fetch_ltx}
