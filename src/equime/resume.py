"""Per-item results kept beside a stage's output, so that a killed stage resumes where it was.

A stage that measures clips one by one (quality, attributes_clips) or trains fold by fold
(train@) puts each finished item here as it completes; a rerun takes every item whose key (what
it was made from: inputs' hashes, params, code) still matches, and computes only the rest. The
folder is ``.<output name>.items`` beside the output: outside it, because DVC deletes a stage's
outputs before running it, and hidden, because it is a cache, not a result. Entries are written
atomically, blobs first and the JSON last, so an entry is either whole or absent.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from equime.files import sha256_file, write_bytes, write_text


class ItemStore:
    """Finished items of one stage output, each a JSON value with optional binary blobs."""

    def __init__(self, output: Path) -> None:
        # absolute: an engine's workers (other processes, other nodes) write entries here
        self.folder = output.resolve().with_name(f".{output.name}.items")

    def _stem(self, item: str) -> str:
        # item ids come from data (clip ids, file stems, fold names): hashed, never a path
        return hashlib.sha256(item.encode()).hexdigest()[:32]

    def _entry(self, item: str) -> Path:
        return self.folder / f"{self._stem(item)}.json"

    def blob_path(self, item: str, name: str) -> Path:
        return self.folder / f"{self._stem(item)}.{name}"

    def get(self, item: str, key: str) -> Any | None:
        """The stored value of ``item`` if it was made from ``key`` and its blobs are intact."""
        path = self._entry(item)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("item") != item or entry.get("key") != key:
            return None
        for name, digest in entry.get("blobs", {}).items():
            blob = self.blob_path(item, name)
            if not blob.is_file() or sha256_file(blob) != digest:
                return None
        return entry.get("value")

    def put(self, item: str, key: str, value: Any, blobs: dict[str, bytes] | None = None) -> None:
        """Store ``item``'s finished value (JSON-able) and its blobs."""
        digests = {}
        for name, data in (blobs or {}).items():
            write_bytes(self.blob_path(item, name), data)
            digests[name] = hashlib.sha256(data).hexdigest()
        # not sorted: a record's key order is its column order
        write_text(self._entry(item), json.dumps({"item": item, "key": key, "value": value,
                                                  "blobs": digests}, ensure_ascii=False))

    def prune(self, keep: set[str]) -> int:
        """Delete the entries of items not in ``keep`` (no longer planned); return how many."""
        if not self.folder.is_dir():
            return 0
        wanted = {self._stem(i) for i in keep}
        gone = [p for p in self.folder.iterdir() if p.name.split(".", 1)[0] not in wanted]
        for p in gone:
            p.unlink(missing_ok=True)
        return len(gone)
