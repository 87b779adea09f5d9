from pathlib import Path

import pytest

from equime.artifacts import report as report_file
from equime.artifacts.selection import SubjectInfo
from equime.export.writer import export_dataset
from equime.generate.runner import generate_clips
from equime.report.render import build_report
from tests.browser import broken_images, chromium, console_errors
from tests.fixtures import REPO, encoder, face_image, me_clips, params, single_au_row, warp

EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    base = single_au_row("12", 0.3, apex_frame=10, n_frames=24, duration_s=0.15)
    rows = [base.model_copy(update={"clip_id": f"ann_{e}_01", "subject": "ann", "emotion": e,
                                    "prompt": f"{e} {EVIL}"})
            for e in ("happiness", "surprise")]
    generate_clips(rows, lambda r: face_image(), warp(), encoder(preset="ultrafast"),
                   tmp / "videos", 1)
    subjects = {"ann": SubjectInfo(subject="ann", source="ann.jpg", sha256="0" * 64,
                                   annotations={}, attributes_source="annotations", gender="f",
                                   race="white", age=35.0, age_band="30-44")}
    me_clips(rows, tmp / "videos", tmp / "clips")
    export_dataset(rows, subjects, tmp / "clips", tmp / "videos", tmp / "ds", params().export, 1)
    html = build_report("test <report>", REPO / "params.yaml", dataset=tmp / "ds" / "ME-VLM",
                        lock=REPO / "dvc.lock")
    report_file.write(tmp / "out", html)
    return tmp / "out" / "index.html"


def test_data_strings_are_escaped_and_absent_inputs_are_said(report: Path):
    html = report.read_text()
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<script>" not in html and "<title>test &lt;report&gt;</title>" in html
    assert "no baseline results yet" in html and "no quality results" in html
    assert "no human ratings yet" in html
    assert html.count('src="data:image/png;base64,') >= 2  # neutral/apex strips per emotion
    assert 'src="data:image/webp;base64,' in html  # animated previews
    assert "http://" not in html and "https://" not in html  # opens from disk, no network


@pytest.mark.slow  # a real Chromium
def test_report_in_a_real_browser(report: Path, tmp_path: Path):
    with chromium() as driver:
        driver.get(report.as_uri())
        assert driver.title == "test <report>"
        assert console_errors(driver) == []
        assert driver.execute_script("return document.images.length") >= 4
        assert broken_images(driver) == []
        assert driver.execute_script("return window.__pwned === undefined")
        body = driver.find_element("tag name", "body").text
        assert "<script>window.__pwned = 1</script>" in body  # shown as text
        assert driver.save_screenshot(str(tmp_path / "report.png"))
        assert (tmp_path / "report.png").stat().st_size > 10_000


def test_the_baselines_section_reads_the_scores_kept_in_git(tmp_path: Path):
    """Scores come from metrics/evaluation/<run>/ (git), the per-class table and the plots from
    data/evaluation/<run>/; a run with no scores is not shown."""
    import pandas as pd

    from equime.artifacts import evaluation
    from equime.report.sections import baselines_section

    scores, folders = tmp_path / "metrics" / "evaluation", tmp_path / "data" / "evaluation"
    for folder in (scores / "demo", folders / "demo", folders / "old"):  # old: no scores now
        folder.mkdir(parents=True)
    assert evaluation.RESULTS.format(run="demo") == "metrics/evaluation/demo/results.csv"
    pd.DataFrame([{"run": "demo", "dataset": "all", "uf1": 0.278, "uar": 0.317}]).to_csv(
        scores / "demo" / "results.csv", index=False)
    pd.DataFrame([{"run": "demo", "attribute": "gender", "group": "f", "uf1": 0.278}]).to_csv(
        scores / "demo" / "groups.csv", index=False)
    pd.DataFrame([{"class": "happiness", "f1": 0.5}]).to_csv(folders / "demo" / "per_class.csv",
                                                             index=False)
    section = baselines_section(folders, scores)
    assert section.missing is None and len(section.tables) == 3
    assert "0.278" in str(section.tables[0]) and "happiness" in str(section.tables[1])
    assert baselines_section(folders, tmp_path / "none").missing.startswith("no baseline results")
