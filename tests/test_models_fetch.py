"""Downloads are checked by sha256 before they are moved into place (file:// URLs, no network)."""

import hashlib
from pathlib import Path

import pytest

from equime import models_fetch
from equime.attributes.labels import DEEPFACE_MODELS
from equime.errors import EquimeError
from equime.generate.registry import LTX_FILES
from equime.models_fetch import (
    SHA256,
    fetch_deepface,
    fetch_pipeline,
    fetch_piq,
    sidecar,
    verify_weight,
)
from equime.quality import metrics

WEIGHT = b"weights \x00\x01" * 100
DIGEST = hashlib.sha256(WEIGHT).hexdigest()


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A folder served by file:// URLs holding the three piq files."""
    folder = tmp_path / "upstream"
    folder.mkdir()
    for name in metrics.PIQ_URLS:
        (folder / name).write_bytes(WEIGHT)
    return folder


@pytest.fixture
def piq_here(tmp_path: Path, upstream: Path, monkeypatch) -> Path:
    """fetch_piq downloading from ``upstream`` into ``<tmp>/weights``."""
    dest = tmp_path / "weights"
    monkeypatch.setattr(metrics, "PIQ_URLS", {n: (upstream / n).as_uri() for n in metrics.PIQ_URLS})
    monkeypatch.setattr(metrics, "weight_path", lambda name: dest / name)
    return dest


def test_the_table_names_every_fetched_file():
    assert set(SHA256) == set(metrics.PIQ_URLS) | {m[1] for m in DEEPFACE_MODELS.values()}
    assert all(v is None or (len(v) == 64 and int(v, 16) >= 0) for v in SHA256.values())


def test_first_download_records_the_digest_and_later_fetches_check_it(piq_here: Path):
    paths = fetch_piq()
    assert [p.read_bytes() for p in paths] == [WEIGHT] * 3
    assert sidecar(paths[0]).read_text() == f"{DIGEST}  {paths[0].name}\n"
    assert not list(piq_here.glob("*.part"))
    assert fetch_piq() == paths  # present and intact: verified, not downloaded again
    paths[1].write_bytes(WEIGHT + b"x")  # damaged after the download
    with pytest.raises(EquimeError) as exc:
        fetch_piq()
    assert str(exc.value).startswith(f"{paths[1]}: sha256 ")
    assert str(exc.value).endswith(f"is not the expected {DIGEST} (recorded in {sidecar(paths[1])} at "
                                   "its first download); delete the file and run "
                                   "`equime models fetch piq`")
    assert "\n" not in str(exc.value)


def test_a_pinned_mismatch_removes_the_download(piq_here: Path, monkeypatch):
    monkeypatch.setitem(SHA256, "RN50.pt", "0" * 64)
    with pytest.raises(EquimeError) as exc:
        fetch_piq()
    assert str(exc.value).startswith(f"RN50.pt: downloaded file has sha256 {DIGEST}, expected "
                                     f"{'0' * 64} (pinned in equime.models_fetch.SHA256); removed it")
    assert "\n" not in str(exc.value)
    assert not (piq_here / "RN50.pt").exists() and not (piq_here / "RN50.pt.part").exists()
    assert not sidecar(piq_here / "RN50.pt").exists()
    monkeypatch.setitem(SHA256, "RN50.pt", DIGEST.upper())
    assert (piq_here / "RN50.pt") in fetch_piq()


def test_a_file_placed_by_hand_is_recorded_then_checked(tmp_path: Path):
    path = tmp_path / "age_model_weights.pth"
    path.write_bytes(WEIGHT)
    assert verify_weight(path, "deepface") == DIGEST and sidecar(path).is_file()
    path.write_bytes(b"other")
    with pytest.raises(EquimeError, match="is not the expected"):
        verify_weight(path, "deepface")


def test_deepface_backup_url_and_hub_published_checksum(tmp_path: Path, upstream: Path, monkeypatch):
    gone = (tmp_path / "missing.pth").as_uri()
    urls = {m[1]: [gone, (upstream / "RN50.pt").as_uri()] for m in DEEPFACE_MODELS.values()}
    monkeypatch.setattr(models_fetch, "deepface_urls", lambda: urls)
    monkeypatch.setattr(models_fetch, "_hub_sha256", lambda url: DIGEST if url != gone else None)
    paths = fetch_deepface(tmp_path / "home")
    assert {p.parent for p in paths} == {tmp_path / "home" / ".deepface" / "weights"}
    assert all(p.read_bytes() == WEIGHT for p in paths)

    monkeypatch.setattr(models_fetch, "_hub_sha256", lambda url: "f" * 64)
    with pytest.raises(EquimeError, match=r"expected f{64} \(published by the hub for file:"):
        fetch_deepface(tmp_path / "other")
    assert not list((tmp_path / "other" / ".deepface" / "weights").iterdir())

    urls = {name: [gone] for name in urls}
    with pytest.raises(EquimeError, match=r"^cannot download \S+ \(file:.*missing.pth: .*\); check the"):
        fetch_deepface(tmp_path / "third")


def test_hub_checksum_is_the_lfs_sha256(monkeypatch):
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

    asked = []

    def paths_info(self, repo, paths, revision=None):
        asked.append((repo, paths, revision))
        return [RepoFile(path=paths[0], size=3, oid="1" * 40,
                         lfs={"size": 3, "oid": "AB" * 32, "pointerSize": 130})]

    monkeypatch.setattr(HfApi, "get_paths_info", paths_info)
    url = "https://huggingface.co/serengil/deepface/resolve/main/age_model_weights.pth"
    assert models_fetch._hub_sha256(url) == "ab" * 32
    assert asked == [("serengil/deepface", ["age_model_weights.pth"], "main")]
    assert models_fetch._hub_sha256("https://github.com/x/y/releases/download/v1/a.pth") is None


def _fake_hub(monkeypatch, files: dict[str, bytes], published: dict[str, bytes]) -> list[str]:
    """snapshot_download writes those of ``files`` it is asked for; the hub's tree lists
    ``published`` (LFS sha256s). Returns the patterns asked for."""
    import huggingface_hub
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

    def snapshot_download(repo_id, revision, allow_patterns, local_dir):
        from fnmatch import fnmatch

        fetched.extend(allow_patterns)
        for name, data in files.items():
            if any(fnmatch(name, pat) for pat in allow_patterns):
                (Path(local_dir) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(local_dir) / name).write_bytes(data)
        return local_dir

    def list_repo_tree(self, repo_id, recursive, revision, repo_type, token):
        return [RepoFile(path=n, size=len(d), oid="0" * 40,
                         lfs={"size": len(d), "oid": hashlib.sha256(d).hexdigest(), "pointerSize": 1})
                for n, d in published.items()]

    fetched: list[str] = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setattr(HfApi, "list_repo_tree", list_repo_tree)
    return fetched


def test_ltx_files_are_checked_against_the_hub(tmp_path: Path, monkeypatch):
    pipe = {"model_index.json": b"{}", "vae/a.bin": b"a", "transformer/b.bin": b"b"}
    _fake_hub(monkeypatch, pipe, pipe)
    assert fetch_pipeline("org/ltx", "main", LTX_FILES, "ltx", tmp_path / "ok") == tmp_path / "ok"

    _fake_hub(monkeypatch, {**pipe, "transformer/b.bin": b"tampered"}, pipe)
    with pytest.raises(EquimeError) as exc:
        fetch_pipeline("org/ltx", "main", LTX_FILES, "ltx", tmp_path / "bad")
    assert str(exc.value) == (f"org/ltx@main in {tmp_path / 'bad'}: 1 file(s) do not match the hub's "
                              "checksums (transformer/b.bin; removed); run `equime models fetch ltx` "
                              "again")
    assert sorted(str(p.relative_to(tmp_path / "bad")) for p in (tmp_path / "bad").rglob("*.*")
                  ) == ["model_index.json", "vae/a.bin"]


def test_ltx_fetches_only_the_diffusers_pipeline(tmp_path: Path, monkeypatch):
    """Lightricks' repositories also hold single-file checkpoints no diffusers pipeline reads:
    they are neither downloaded nor reported missing; a missing pipeline file is."""
    pipe = {"model_index.json": b"{}", "scheduler/scheduler_config.json": b"{}",
            "transformer/diffusion_pytorch_model.safetensors": b"t", "vae/config.json": b"{}"}
    single = {"ltxv-13b-0.9.7-distilled.safetensors": b"13B", "README.md": b"card"}
    asked = _fake_hub(monkeypatch, {**pipe, **single}, {**pipe, **single})
    out = fetch_pipeline("org/ltx", "main", LTX_FILES, "ltx", tmp_path / "ok")
    assert asked == list(LTX_FILES)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(pipe)

    _fake_hub(monkeypatch, {k: v for k, v in pipe.items() if not k.startswith("vae/")},
              {**pipe, **single})
    with pytest.raises(EquimeError, match=r"1 file\(s\) missing \(vae/config\.json\); run"):
        fetch_pipeline("org/ltx", "main", LTX_FILES, "ltx", tmp_path / "partial")
