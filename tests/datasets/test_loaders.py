from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from equime.datasets import casme2, megc, samm, smic
from equime.errors import InputError


def _frames(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True)
    for i, name in enumerate(names):
        Image.fromarray(np.full((8, 8, 3), i * 10, np.uint8)).save(folder / name)


def test_casme2_sheet_numbers_subjects_and_frames_sort_numerically(tmp_path: Path):
    _frames(tmp_path / "sub01" / "EP02_01f", [f"img{i}.jpg" for i in (9, 10, 11, 46)])
    _frames(tmp_path / "sub02" / "EP03_02", ["img1.jpg", "img2.jpg"])
    sheet = tmp_path / "CASME2-coding-20140508.xlsx"
    pd.DataFrame({
        "Subject": [1, 2, 3], "Filename": ["EP02_01f", "EP03_02", "EP01_01"],
        "OnsetFrame": [9, 1, 5], "ApexFrame": [10, "/", 6], "OffsetFrame": [46, 2, 7],
        "Action Units": ["12", "4+7", "1"], "Estimated Emotion": ["happiness", "repression", "fear"],
    }).to_excel(sheet, index=False)
    loaded = casme2.load(tmp_path, sheet)
    a, b = loaded.samples
    assert (a.subject, a.clip_id, a.onset, a.apex, a.offset) == ("sub01", "EP02_01f", 9, 10, 46)
    assert [p.name for p in a.frames] == ["img9.jpg", "img10.jpg", "img11.jpg", "img46.jpg"]
    assert (a.label3, a.fps, a.aus) == ("positive", 200, "12")
    assert b.apex is None and b.label3 == "negative"  # no apex ('/'), repression → negative
    assert len(loaded.problems) == 1 and "sub03/EP01_01 not found" in loaded.problems[0]
    assert a.load_frames().shape == (4, 8, 8, 3)


def test_samm_header_after_text_rows_and_zero_padded_subjects(tmp_path: Path):
    _frames(tmp_path / "006" / "006_1_2", ["006_05562.jpg", "006_05563.jpg"])
    sheet = tmp_path / "SAMM_Micro_FACS_Codes_v2.xlsx"
    rows = [["SAMM micro-movement FACS codes", None, None, None, None, None, None],
            ["Version 2", None, None, None, None, None, None],
            [None] * 7,
            ["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Action Units",
             "Estimated Emotion"],
            [6, "006_1_2", 5562, 5563, 5563, "R12", "Contempt"]]
    pd.DataFrame(rows).to_excel(sheet, index=False, header=False)
    (s,) = samm.load(tmp_path, sheet).samples
    assert (s.subject, s.clip_id, s.apex, s.emotion, s.label3) == ("006", "006_1_2", 5563, "contempt",
                                                                 "negative")
    with pytest.raises(InputError, match="no header row with columns"):
        samm.load(tmp_path, _write_csv(tmp_path / "bad.csv"))


def _write_csv(path: Path) -> Path:
    path.write_text("a,b\n1,2\n")
    return path


def test_smic_labels_from_folders(tmp_path: Path):
    _frames(tmp_path / "HS" / "s3" / "micro" / "positive" / "s3_po_01", ["image001.bmp", "image002.bmp"])
    _frames(tmp_path / "HS" / "s3" / "micro" / "negative" / "s3_ne_02", ["image001.bmp"])
    _frames(tmp_path / "HS" / "s3" / "micro" / "happy" / "s3_x_01", ["image001.bmp"])
    loaded = smic.load(tmp_path, "HS")
    assert [(s.subject, s.clip_id, s.label3, s.fps) for s in loaded.samples] == [
        ("s3", "s3_ne_02", "negative", 100), ("s3", "s3_po_01", "positive", 100)]
    assert all(s.apex is None for s in loaded.samples)
    assert "is not negative/positive/surprise" in loaded.problems[0]
    with pytest.raises(InputError, match="SMIC VIS folder not found"):
        smic.load(tmp_path, "VIS")


def test_megc_composite_joins_despite_id_differences(tmp_path: Path):
    _frames(tmp_path / "smic" / "HS" / "s3" / "micro" / "positive" / "s3_po_01", ["image001.bmp"])
    _frames(tmp_path / "samm" / "006" / "006_1_2", ["006_05562.jpg"])
    loaded_smic = smic.load(tmp_path / "smic", "HS").samples
    sheet = tmp_path / "samm.csv"
    pd.DataFrame([["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame",
                   "Action Units", "Estimated Emotion"],
                  [6, "006_1_2", 1, 1, 1, "4", "Anger"]]).to_csv(sheet, index=False, header=False)
    loaded_samm = samm.load(tmp_path / "samm", sheet).samples
    gt = megc.ground_truth()
    assert len(gt) == 442 and gt.groupby("dataset")["subject"].nunique().sum() == 68
    out = megc.compose({"smic": loaded_smic, "samm": loaded_samm})
    assert {(s.dataset, s.subject, s.clip_id, s.label3) for s in out.samples} == {
        ("smic", "s3", "s3_po_01", "positive"), ("samm", "006", "006_1_2", "negative")}
    assert len(out.problems) == 440


def test_casme3_sheet_spno_versus_folder_spno_and_color_subfolder(tmp_path: Path):
    from equime.datasets import casme3

    _frames(tmp_path / "spNo.1" / "a" / "color", ["0.jpg", "1.jpg", "2.jpg"])
    _frames(tmp_path / "spNo.1" / "b" / "color", ["0.jpg"])
    sheet = tmp_path / "labels.xlsx"
    pd.DataFrame({"Subject": ["spNO.1", "spNO.1", "sp1"], "Filename": ["a", "c", "a"],
                  "Onset": [0, 1, 0], "Apex": [1, 2, 1], "Offset": [2, 3, 2], "AU": ["4", "1", "2"],
                  "Objective class": ["disgust", "happy", "fear"]}).to_excel(sheet, index=False)
    loaded = casme3.load(tmp_path, sheet)
    (s,) = loaded.samples
    assert (s.subject, s.clip_id, s.apex, s.label3, s.fps) == ("spNo.1", "a", 1, "negative", 30)
    assert [p.name for p in s.frames] == ["0.jpg", "1.jpg", "2.jpg"]
    assert len(loaded.problems) == 2
    assert "spNo.1/c/color not found" in loaded.problems[0]
    assert "subject 'sp1' is not understood" in loaded.problems[1]


def test_miex_label_from_folder_names(tmp_path: Path):
    from equime.datasets import miex

    _frames(tmp_path / "0012_exp_2", [f"{i}.jpg" for i in range(10)])
    _frames(tmp_path / "0013_exp_happiness", [f"{i}.jpg" for i in (0, 1, 10, 2)])
    _frames(tmp_path / "stray", ["0.jpg"])
    loaded = miex.load(tmp_path)
    a, b = loaded.samples
    assert (a.subject, a.emotion, a.label3, len(a.frames)) == ("0012", "surprise", "surprise", 10)
    assert (b.label3, [p.name for p in b.frames]) == ("positive", ["0.jpg", "1.jpg", "2.jpg", "10.jpg"])
    assert loaded.problems == [f"{tmp_path / 'stray'}: folder name is not <id>_exp_<label>"]


def test_sheet_cells_that_leave_the_dataset_folder_are_problems_not_paths(tmp_path: Path):
    root = tmp_path / "casme2"
    _frames(root / "sub01" / "EP01", ["img1.jpg", "img2.jpg"])
    _frames(tmp_path / "elsewhere", ["img1.jpg", "img2.jpg"])  # readable, but not the dataset's
    (root / "sub01" / "EP02").symlink_to(tmp_path / "elsewhere")
    sheet = tmp_path / "coding.xlsx"
    pd.DataFrame({
        "Subject": [1, 1, 1, 1], "Filename": ["EP01", "../../elsewhere", str(tmp_path / "elsewhere"),
                                              "EP02"],
        "OnsetFrame": [1] * 4, "ApexFrame": [1] * 4, "OffsetFrame": [2] * 4,
        "Action Units": ["12"] * 4, "Estimated Emotion": ["happiness"] * 4,
    }).to_excel(sheet, index=False)
    loaded = casme2.load(root, sheet)
    assert [s.clip_id for s in loaded.samples] == ["EP01"]
    assert len(loaded.problems) == 3
    escaped, absolute, linked = loaded.problems
    assert escaped.startswith("coding.xlsx row 2: clip '../../elsewhere': ") and "leads outside" in escaped
    assert "not found" in absolute  # joined under the subject folder, where it does not exist
    assert linked.startswith("coding.xlsx row 4: clip 'EP02': ") and "leads outside" in linked
