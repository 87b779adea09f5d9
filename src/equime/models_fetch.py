"""``equime models fetch NAME``: every downloadable weight, and where it goes.

- ``ltx``: the diffusers LTX-Video repository (``generate.ltx.model`` at its revision) → hub cache.
- ``piq``: ``brisque_svm_weights.pt`` → ``$TORCH_HOME/hub/checkpoints``; ``RN50.pt`` and
  ``clipiqa_tokens.pt`` → ``~/.cache/clip`` (for the BRISQUE and CLIP-IQA quality metrics).
- ``deepface``: the age, gender, race and emotion models → ``$DEEPFACE_HOME/.deepface/weights``.

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


def fetch_piq() -> list[Path]:
    """BRISQUE's SVM and CLIP-IQA's RN50 + prompt tokens, where piq looks for them."""
    import torch

    from equime.quality.metrics import PIQ_URLS, weight_path

    paths = []
    for filename, url in PIQ_URLS.items():
        target = weight_path(filename)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                torch.hub.download_url_to_file(url, str(target))
            except OSError as exc:
                raise EquimeError(f"cannot download {url} ({exc}); check the network, or put the "
                                  f"file at {target} by hand") from None
        paths.append(target)
    return paths


def fetch_deepface(home: Path | None = None) -> list[Path]:
    """deepface's age, gender, race and emotion weights into ``<home>/.deepface/weights``, with
    deepface's own downloader and URLs (``home``: attributes.deepface_home, else
    ``$DEEPFACE_HOME``, else ``~``)."""
    import importlib
    import os

    from equime.attributes.analyzer import resolve_home, weights_dir
    from equime.attributes.labels import DEEPFACE_MODELS

    target = resolve_home(home)
    os.environ["DEEPFACE_HOME"] = str(target)  # deepface's downloader reads it at call time
    from deepface.commons import weight_utils

    weights_dir(target).mkdir(parents=True, exist_ok=True)
    paths = []
    for _, filename, module in DEEPFACE_MODELS.values():
        urls = importlib.import_module(module).WEIGHTS_URL
        try:
            paths.append(Path(weight_utils.download_weights_if_necessary(
                file_name=filename, source_url=urls)))
        except (OSError, ValueError) as exc:
            raise EquimeError(f"cannot download {filename} ({str(exc).splitlines()[0][:160]}); check "
                              f"the network, or put the file in {weights_dir(target)} by hand") from None
    return paths


NAMES = ("ltx", "piq", "deepface")
