"""Per-item results: kept whole, matched by key, pruned, never a path from data."""

from __future__ import annotations

from pathlib import Path

from equime.resume import ItemStore


def test_an_item_is_returned_only_for_its_key(tmp_path: Path) -> None:
    store = ItemStore(tmp_path / "quality")
    store.put("clip-1", "k1", {"x": 1.5})
    assert store.get("clip-1", "k1") == {"x": 1.5}
    assert store.get("clip-1", "k2") is None
    assert store.get("clip-2", "k1") is None
    assert store.folder == tmp_path / ".quality.items"


def test_a_damaged_blob_or_entry_is_not_used(tmp_path: Path) -> None:
    store = ItemStore(tmp_path / "run")
    store.put("fold-a", "k", [1, 2], blobs={"safetensors": b"weights"})
    assert store.get("fold-a", "k") == [1, 2]
    store.blob_path("fold-a", "safetensors").write_bytes(b"weightz")
    assert store.get("fold-a", "k") is None
    store.put("fold-b", "k", 3)
    for entry in store.folder.glob("*.json"):
        entry.write_text(entry.read_text()[:-5])  # a torn write
    assert store.get("fold-b", "k") is None


def test_hostile_ids_stay_inside_the_store(tmp_path: Path) -> None:
    store = ItemStore(tmp_path / "out")
    store.put("../../escaped", "k", 1)
    store.put("/etc/passwd", "k", 2)
    assert store.get("../../escaped", "k") == 1 and store.get("/etc/passwd", "k") == 2
    assert sorted(p.parent for p in tmp_path.rglob("*.json")) == [store.folder] * 2


def test_prune_keeps_only_wanted_items(tmp_path: Path) -> None:
    store = ItemStore(tmp_path / "out")
    for i in ("a", "b", "c"):
        store.put(i, "k", i, blobs={"bin": i.encode()})
    assert store.prune({"b"}) == 4
    assert [store.get(i, "k") for i in ("a", "b", "c")] == [None, "b", None]
