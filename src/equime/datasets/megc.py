"""The MEGC 2019 composite (CASME II + SAMM + SMIC-HS, 3 classes): the official label file joined
with the loaded datasets. The file's ids differ from folder names: SMIC ``s03``/``s03_po_01``
for ``s3``/``s3_po_01``, SAMM subject ``6`` for ``006``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from importlib import resources

import pandas as pd

from equime.datasets.labels import MEGC_LABELS
from equime.datasets.sample import Loaded, Sample

PACKAGE_DATA = ("data/megc2019_combined_3class_gt.csv",)  # files under src/equime it reads
GT_FILE = PACKAGE_DATA[0]


def ground_truth() -> pd.DataFrame:
    with resources.as_file(resources.files("equime") / GT_FILE) as path:
        table = pd.read_csv(path, header=None, names=["dataset", "subject", "filename", "label"],
                            dtype=str)
    table["label"] = table["label"].astype(int).map(MEGC_LABELS)
    return table


def _folder_key(dataset: str, subject: str, filename: str) -> tuple[str, str, str]:
    """The label file's ids → the folder names the loaders use."""
    if dataset == "smic":
        unpad = lambda s: re.sub(r"^s0*(\d)", r"s\1", s)  # noqa: E731
        return dataset, unpad(subject), unpad(filename)
    if dataset == "samm":
        return dataset, f"{int(subject):03d}", filename
    return dataset, subject, filename


def compose(loaded: Mapping[str, Sequence[Sample]]) -> Loaded:
    """The 442 composite samples with the official labels; missing ones are listed."""
    index = {(s.dataset, s.subject, s.clip_id): s for samples in loaded.values() for s in samples}
    out = Loaded()
    for row in ground_truth().itertuples():
        key = _folder_key(row.dataset, row.subject, row.filename)
        sample = index.get(key)
        if sample is None:
            out.problems.append(f"MEGC {row.dataset}/{row.subject}/{row.filename}: not in the loaded "
                                f"{row.dataset} copy")
            continue
        out.samples.append(replace(sample, label3=row.label))
    return out
