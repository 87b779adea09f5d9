import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from equime.curate.annotations import read_annotations, read_celeba_attributes
from equime.curate.curation import Rejected, assign_ids, curate, load_image, pick_face
from equime.errors import InputError
from equime.faces.align import target_eyes
from equime.faces.detect import Face
from equime.facs import eye_centres
from tests.fixtures import astronaut, detector, params

LIMITS = params(**{"curate.filter": {}}).curate  # min_score 0.3, min_face_px 64, ambiguity 0.6
NOT_SMILING = params(**{"curate.filter": {"Smiling": False}}).curate


def _jpeg(image: np.ndarray, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=95, **kw)
    return buf.getvalue()


def _png(image: np.ndarray | Image.Image) -> bytes:
    buf = io.BytesIO()
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("src")
    face = astronaut()
    (d / "good.png").write_bytes(_png(face))
    (d / "later-copy.png").write_bytes(_png(face))  # same bytes as good.png
    (d / "gray.jpg").write_bytes(_jpeg(np.asarray(Image.fromarray(face).convert("L"))))
    rgba = Image.fromarray(face).convert("RGBA")
    rgba.putalpha(200)
    (d / "rgba.png").write_bytes(_png(rgba))
    # stored sideways, EXIF orientation 6 says "rotate 90° clockwise to display"
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = np.asarray(Image.fromarray(face).transpose(Image.Transpose.ROTATE_90))
    (d / "exif.jpg").write_bytes(_jpeg(sideways, exif=exif.tobytes()))
    full = _jpeg(face)
    (d / "truncated.jpg").write_bytes(full[: len(full) // 2])
    (d / "fake.jpg").write_bytes(b"this is not an image\n")
    (d / "notes.txt").write_text("hello")
    (d / "blank.png").write_bytes(_png(np.full((256, 256, 3), 128, np.uint8)))
    (d / "twins.png").write_bytes(_png(np.concatenate([face, face[:, ::-1]], axis=1)))
    small_face = np.asarray(Image.fromarray(face).resize((128, 128)))
    dominant = face.copy()
    dominant[380:508, 380:508] = small_face  # a much smaller second face: the big one is kept
    (d / "dominant.png").write_bytes(_png(dominant))
    # the hostile part of the zoo: nothing may be skipped without a record
    (d / "empty.jpg").write_bytes(b"")
    (d / "tiny-face.png").write_bytes(_png(np.asarray(Image.fromarray(face).resize((96, 96)))))
    (d / "..dup_of_good.png").write_bytes(_png(face))  # a dot-file: recorded, not dropped
    (d / ".thumbs").mkdir()
    (d / ".thumbs" / "a.jpg").write_bytes(b"x")
    (d / "ünïcödé-顔.png").write_bytes(_png(np.asarray(Image.fromarray(face).rotate(3))))
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.png"
    outside.write_bytes(_png(face[:, ::-1]))
    (d / "outside-link.png").symlink_to(outside)
    (d / "dangling.png").symlink_to(d / "no-such-file.png")
    (d / "inside-link.png").symlink_to(d / "good.png")  # same bytes as good.png
    (d / "linked-folder").symlink_to(outside.parent)
    os.mkfifo(d / "pipe.png")
    return d


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faces")


@pytest.fixture(scope="module")
def result(source: Path, faces: Path):
    return curate(source, None, LIMITS, faces, detector())


def crops(faces: Path) -> dict[str, np.ndarray]:
    """The aligned crops curation wrote, by subject."""
    return {p.stem: np.asarray(Image.open(p)) for p in sorted(faces.glob("*.png"))}


def test_every_input_is_either_a_subject_or_a_reject(source: Path, result):
    listed = {s.source for s in result.subjects} | {r.source for r in result.rejects}
    assert listed == {p.name + ("/" if p.name.startswith(".") and p.is_dir() else "")
                      for p in source.iterdir()}
    assert {s.subject_id for s in result.subjects} == {"dominant", "exif", "good", "gray", "rgba",
                                                        "unicode"}


def test_reject_reasons(result):
    reasons = {r.source: r.reason for r in result.rejects}
    assert reasons == {
        "later-copy.png": "duplicate", "truncated.jpg": "unreadable", "fake.jpg": "not-an-image",
        "notes.txt": "not-an-image", "blank.png": "no-face", "twins.png": "ambiguous",
        "empty.jpg": "not-an-image", "tiny-face.png": "no-face", "..dup_of_good.png": "hidden",
        ".thumbs/": "hidden", "outside-link.png": "outside-link", "dangling.png": "broken-link",
        "inside-link.png": "duplicate", "linked-folder": "outside-link", "pipe.png": "not-a-file",
    }
    detail = {r.source: r.detail for r in result.rejects}
    assert detail["later-copy.png"] == "same bytes as good.png"
    assert "truncated" in detail["truncated.jpg"]
    assert all("\n" not in r.detail for r in result.rejects)


def test_conversions_give_aligned_rgb_crops(result, faces):
    made = crops(faces)
    assert sorted(made) == sorted(s.subject_id for s in result.subjects)  # only the subjects'
    for sid, crop in made.items():
        assert crop.shape == (512, 512, 3) and crop.dtype == np.uint8, sid
        subject = next(s for s in result.subjects if s.subject_id == sid)
        np.testing.assert_allclose(np.stack(eye_centres(subject.landmarks)), target_eyes(512, 0.24, 0.42),
                                   atol=1e-6)
    gray = made["gray"]
    assert np.array_equal(gray[..., 0], gray[..., 1])  # grayscale became 3 equal channels
    # RGBA at alpha 200 over white is lighter than the opaque original
    assert made["rgba"].mean() > made["good"].mean() + 10
    # the EXIF-rotated file aligns like the upright one
    diff = np.abs(made["exif"].astype(int) - made["good"].astype(int)).mean()
    assert diff < 6


def test_load_image_applies_exif_and_flattens(source: Path):
    assert load_image(source / "exif.jpg").shape == (512, 512, 3)
    with pytest.raises(Rejected) as r:
        load_image(source / "fake.jpg")
    assert r.value.reason == "not-an-image"


def _face(w: int, score: float) -> Face:
    return Face(box=(0, 0, w, w), score=score, landmarks=np.zeros((68, 2)))


@pytest.mark.parametrize(("faces", "reason"), [
    ([], "no-face"),
    ([_face(200, 0.1)], "no-face"),
    ([_face(200, 1.0), _face(180, 0.9)], "ambiguous"),
    ([_face(40, 1.0)], "face-too-small"),
])
def test_pick_face_rejects(faces, reason):
    with pytest.raises(Rejected) as r:
        pick_face(faces, LIMITS)
    assert r.value.reason == reason


def test_pick_face_keeps_a_dominant_face_and_ignores_weak_detections():
    big = _face(200, 1.0)
    assert pick_face([big, _face(100, 1.0)], LIMITS) is big
    assert pick_face([big, _face(200, 0.1)], LIMITS) is big


def test_celeba_attributes_filter(tmp_path: Path):
    base = astronaut()
    for i in range(4):  # distinct bytes, same face
        img = base.copy()
        img[0, 0] = i
        (tmp_path / f"{i:06d}.png").write_bytes(_png(img))
    attr = tmp_path / "list_attr_celeba.txt"
    attr.write_text("4\nMale Smiling Young\n"
                    "000000.png 1 -1 1\n000001.png 1 -1 1\n000002.png -1 -1 1\n000003.png -1 1 1\n")
    table = read_celeba_attributes(attr)
    assert table.loc["000000.png", "Male"] and not table.loc["000002.png", "Male"]
    res = curate(tmp_path, table, NOT_SMILING, tmp_path / "faces", detector(), skip=[attr])
    assert [s.attributes["Male"] for s in res.subjects] == [True, True, False]
    assert all(type(v) is bool for s in res.subjects for v in s.attributes.values())
    assert [(r.source, r.reason) for r in res.rejects] == [("000003.png", "filtered")]


def test_csv_annotations_are_typed(tmp_path: Path):
    manifest = tmp_path / "annotations.csv"
    manifest.write_text("file,gender,age,race,Smiling\na.png,f,35,white,true\nb.png,,,,false\n")
    table = read_annotations(manifest)
    a = table.loc["a.png"].to_dict()
    assert a == {"gender": "f", "age": 35.0, "race": "white", "Smiling": True}
    assert type(a["age"]) is float and type(a["Smiling"]) is bool
    assert table.loc["b.png", "age"] is None and table.loc["b.png", "Smiling"] is False
    manifest.write_text("name,gender\na.png,f\n")
    with pytest.raises(InputError, match="needs a 'file' column"):
        read_annotations(manifest)
    manifest.write_text("file,gender\na.png,f\na.png,m\n")
    with pytest.raises(InputError, match=r"'a\.png' is listed twice"):
        read_annotations(manifest)


def test_bad_attribute_file_and_unknown_attribute(tmp_path: Path):
    attr = tmp_path / "attr.txt"
    attr.write_text("1\nMale\n000001.jpg yes\n")
    with pytest.raises(InputError, match="non-numeric value"):
        read_celeba_attributes(attr)
    good = pd.DataFrame({"Male": [True]}, index=["a.png"])
    with pytest.raises(InputError, match=r"unknown attributes \['Smiling'\]"):
        curate(tmp_path, good, NOT_SMILING, tmp_path / "faces", detector())
    with pytest.raises(InputError, match="source folder not found"):
        curate(tmp_path / "nope", None, LIMITS, tmp_path / "faces", detector())


def test_ids():
    assert assign_ids(["x/a_b.jpg", "y/a-b.png", "c.jpg"]) == {
        "c.jpg": "c", "x/a_b.jpg": "a-b", "y/a-b.png": "a-b-2"}


def test_a_bad_gender_is_an_error_naming_the_file_and_row_at_curation(tmp_path: Path):
    sheet = tmp_path / "annotations.csv"
    sheet.write_text("file,gender,age\na.jpg,f,30\nb.jpg,x,40\n")
    with pytest.raises(InputError, match=r"annotations.csv, row 'b.jpg': gender 'x' is not one of"):
        read_annotations(sheet)
