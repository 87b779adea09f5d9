import re
import socket
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from equime.artifacts import review as review_files
from equime.report.sections import review_section
from equime.review.app import create_app
from equime.review.results import agreement, clip_results, review_results, review_summary
from equime.review.sample import sample_clips
from equime.review.store import Rating, ReviewStore
from equime.video import write_mp4
from tests.browser import chromium, console_errors
from tests.fixtures import encoder

EMOTIONS = ["happiness", "sadness", "surprise", "fear"]


@pytest.fixture
def served(tmp_path: Path):
    """A dataset of 4 tiny clips, a store with 3 raters, the app behind a test client."""
    frames = np.zeros((6, 32, 32, 3), np.uint8)
    rows = []
    for i, e in enumerate(EMOTIONS):
        video = f"emotion_categories/{e}/f_s{i}_01.mp4"
        write_mp4(tmp_path / "ds" / video, frames + 40 * i, 24, encoder(preset="ultrafast"))
        rows.append({"clip_id": f"s{i}_{e}_01", "video": video, "emotion": e, "gender": "f"})
    store = ReviewStore(tmp_path / "review.sqlite")
    store.set_clips(pd.DataFrame(rows))
    tokens = store.add_raters(["ann", "bob", "cy"])
    return store, tokens, TestClient(create_app(store, tmp_path / "ds")), rows


def _form(clip_id: str, **kw) -> dict:
    return {"clip_id": clip_id, "emotion": "happiness", "visible": "yes", "timing": "micro",
            "realism": "4", "artefacts": "", **kw}


def test_a_full_rating_round_over_http(served):
    store, tokens, client, rows = served
    answers = {"ann": EMOTIONS, "bob": EMOTIONS, "cy": ["happiness", "none", "surprise", "anger"]}
    for rater, token in tokens.items():
        for row, answer in zip(rows, answers[rater], strict=True):
            page = client.get(f"/r/{token}")
            assert page.status_code == 200 and f'value="{row["clip_id"]}"' in page.text
            res = client.post(f"/r/{token}/rate", data=_form(row["clip_id"], emotion=answer),
                              follow_redirects=False)
            assert res.status_code == 303 and res.headers["location"] == f"/r/{token}"
        assert 'id="done"' in client.get(f"/r/{token}").text
    video = client.get(f"/r/{tokens['ann']}/video/{rows[0]['clip_id']}")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    ratings = store.ratings()
    assert len(ratings) == 12 and set(ratings["rater"]) == {"ann", "bob", "cy"}
    clips = clip_results(ratings, store.planned())
    assert clips["majority"].tolist() == EMOTIONS
    summary = review_summary(ratings, clips)
    assert summary["accuracy_majority"] == 1.0 and summary["accuracy_ratings"] == round(10 / 12, 4)
    assert summary["realism"] == {"1": 0, "2": 0, "3": 0, "4": 12, "5": 0}


def test_bad_requests_get_a_4xx_with_a_reason(served):
    _, tokens, client, rows = served
    token, clip = tokens["ann"], rows[0]["clip_id"]
    assert client.get("/r/nope").status_code == 403
    assert client.post("/r/nope/rate", data=_form(clip)).json()["detail"] == "unknown rater token"
    res = client.post(f"/r/{token}/rate", data=_form("x_y_01"))
    assert res.status_code == 404 and res.json()["detail"] == "unknown clip id 'x_y_01'"
    for bad in ({"realism": "9"}, {"emotion": "joy"}, {"timing": "slow"},
                {"artefacts": "x" * 501}):
        res = client.post(f"/r/{token}/rate", data=_form(clip, **bad))
        assert res.status_code == 422
        assert res.json()["detail"][0]["loc"][-1] == next(iter(bad))
    assert client.get(f"/r/{token}/video/x_y_01").status_code == 404


def test_concurrent_submissions_are_not_lost(served):
    store, _, _, rows = served
    raters = [f"r{i}" for i in range(8)]
    store.add_raters(raters)

    def rate_all(rater: str) -> None:
        for row in rows:
            store.save(rater, row["clip_id"], Rating("fear", True, "micro", 3, ""))
            store.save(rater, row["clip_id"], Rating("anger", False, "sustained", 2, "blur"))

    threads = [threading.Thread(target=rate_all, args=(r,)) for r in raters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ratings = store.ratings()
    assert len(ratings) == 8 * 4  # one current row per rater × clip: the second rating's
    assert set(ratings["emotion"]) == {"anger"} and set(ratings["artefacts"]) == {"blur"}
    assert len(store.history()) == 8 * 4 * 2  # and the history keeps both


def _fleiss_by_hand(table: np.ndarray) -> float:
    """Fleiss (1971): P_i = (Σ n_ij² − n) / (n(n − 1)), P_e = Σ p_j²."""
    n = table.sum(axis=1)[0]
    p_i = ((table ** 2).sum(axis=1) - n) / (n * (n - 1))
    p_j = table.sum(axis=0) / table.sum()
    return (p_i.mean() - (p_j ** 2).sum()) / (1 - (p_j ** 2).sum())


def test_fleiss_kappa_on_hand_made_ratings():
    votes = {"c1": ["happiness"] * 3, "c2": ["sadness", "sadness", "none"],
             "c3": ["fear", "surprise", "fear"], "c4": ["anger", "anger", "anger"]}
    ratings = pd.DataFrame([{"rater": f"r{i}", "clip_id": c, "emotion": e}
                            for c, es in votes.items() for i, e in enumerate(es)])
    kappa, clips = agreement(ratings)
    counts = np.array([[3, 0, 0, 0, 0, 0], [0, 2, 0, 0, 0, 1], [0, 0, 1, 2, 0, 0],
                       [0, 0, 0, 0, 3, 0]])
    assert clips == 4 and kappa == pytest.approx(_fleiss_by_hand(counts), abs=1e-4)
    assert kappa == pytest.approx(0.5862, abs=1e-4)
    # a clip with fewer raters is left out (kappa needs the same number per clip)
    extra = pd.concat([ratings, pd.DataFrame([{"rater": "r0", "clip_id": "c5", "emotion": "fear"}])])
    assert agreement(extra) == (kappa, 4)


def test_results_reach_the_report(tmp_path: Path):
    ratings = pd.DataFrame([
        {"rater": "a", "clip_id": "c1", "emotion": "fear", "visible": 1, "timing": "micro",
         "realism": 3, "artefacts": ""},
        {"rater": "b", "clip_id": "c1", "emotion": "none", "visible": 0, "timing": "micro",
         "realism": 2, "artefacts": "<b>blur</b>"}])
    sample = pd.DataFrame([{"clip_id": "c1", "video": "v.mp4", "emotion": "fear"},
                           {"clip_id": "c2", "video": "w.mp4", "emotion": "anger"}])
    clips, summary = review_results(sample, ratings)
    assert clips.loc[0, "majority"] == "fear" and clips.loc[0, "majority_share"] == 0.5
    assert clips.loc[1, "ratings"] == 0 and clips.loc[1, "majority"] == ""
    review_files.write(tmp_path, clips, summary)
    # what export puts in the metadata: the reviewed clips, values typed as they were computed
    assert review_files.by_clip(tmp_path) == {"c1": {
        "clip_id": "c1", "planned": "fear", "ratings": 2, "majority": "fear",
        "majority_share": 0.5, "votes": "fear:1;none:1", "visible_share": 0.5, "micro_share": 1.0,
        "realism_mean": 2.5}}
    section = review_section(tmp_path)
    assert section.missing is None
    summary = dict(zip(section.tables[0]["columns"], section.tables[0]["rows"][0], strict=True))
    assert summary["clips_rated"] == 1 and summary["accuracy_majority"] == 1.0


def test_sample_is_stratified_and_seeded():
    manifest = pd.DataFrame([{"clip_id": f"{e}_{g}_{i}", "video": "v", "emotion": e, "gender": g}
                             for e in EMOTIONS for g in "fm" for i in range(5)])
    s = sample_clips(manifest, 16, seed=1)
    assert (s.groupby(["emotion", "gender"]).size() == 2).all() and len(s) == 16
    assert s.equals(sample_clips(manifest, 16, seed=1))
    assert not s.equals(sample_clips(manifest, 16, seed=2))
    assert len(sample_clips(manifest, 100, seed=1)) == 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # a real Chromium
def test_a_rater_rates_a_clip_by_clicking(served):
    import uvicorn
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    store, tokens, _, rows = served
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, Path(store.path).parent / "ds"),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with chromium() as driver:
            driver.get(f"http://127.0.0.1:{port}/r/{tokens['bob']}")
            for name, value in (("emotion", "surprise"), ("visible", "yes"), ("timing", "micro"),
                                ("realism", "5")):
                driver.find_element("css selector", f'input[name="{name}"][value="{value}"]').click()
            driver.find_element("name", "artefacts").send_keys("slight shimmer")
            driver.find_element("id", "replay").click()
            # the page's nonce'd style applies under the CSP (a refused one is a console error)
            assert driver.execute_script("return getComputedStyle(document.body).maxWidth") == "720px"
            driver.find_element("id", "submit").click()
            WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: "1 of 4 clips rated" in d.find_element("tag name", "body").text)
            assert console_errors(driver) == []
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    r = store.ratings().iloc[0].to_dict()
    assert r == {"rater": "bob", "clip_id": rows[0]["clip_id"], "emotion": "surprise",
                 "visible": 1, "timing": "micro", "realism": 5, "artefacts": "slight shimmer"}


def test_committed_review_files_are_checked(tmp_path: Path):
    from equime.artifacts.ratings import read_review
    from equime.errors import InputError

    (tmp_path / "sample.csv").write_text("clip_id,video,emotion\nc1,v.mp4,fear\n")
    (tmp_path / "ratings.csv").write_text(
        "rater,clip_id,emotion,visible,timing,realism,artefacts\na,c1,fear,1,micro,3,\n"
        "b,c1,fear,1,micro,7,\n")
    with pytest.raises(InputError, match=r"ratings.csv:3: realism 7 is not valid"):
        read_review(tmp_path)
    (tmp_path / "ratings.csv").write_text("rater,clip_id\n")
    with pytest.raises(InputError, match="needs columns rater, clip_id, emotion"):
        read_review(tmp_path)


def test_a_body_is_capped_and_read_only_after_the_token_is_checked(served, monkeypatch):
    from starlette.requests import Request

    from equime.review.app import MAX_BODY

    _, tokens, client, rows = served
    big = b"x" * (MAX_BODY + 1)
    for token in ("nope", tokens["ann"]):  # declared length: refused before the app runs
        res = client.post(f"/r/{token}/rate", content=big,
                          headers={"content-type": "application/x-www-form-urlencoded"})
        assert res.status_code == 413
    chunked = client.post(f"/r/{tokens['ann']}/rate", content=iter([big[:40_000], big[40_000:]]),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert "content-length" not in chunked.request.headers and chunked.status_code == 413

    async def never(*args, **kwargs):
        raise AssertionError("the form was parsed")

    monkeypatch.setattr(Request, "form", never)
    res = client.post("/r/nope/rate", data=_form(rows[0]["clip_id"]))
    assert res.status_code == 403 and res.json()["detail"] == "unknown rater token"


def test_a_video_is_served_only_from_inside_the_dataset(served, tmp_path: Path):
    store, tokens, client, rows = served
    url = f"/r/{tokens['ann']}/video/"
    (tmp_path / "ds" / rows[0]["video"]).unlink()
    res = client.get(url + rows[0]["clip_id"])
    assert res.status_code == 404 and res.json()["detail"] == f"no video for clip {rows[0]['clip_id']!r}"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for raters")
    (tmp_path / "ds" / "link.mp4").symlink_to(secret)
    with sqlite3.connect(store.path) as db:  # a tampered manifest: three ways out of ds/
        for row, video in zip(rows[1:], ("../secret.txt", str(secret), "link.mp4"), strict=True):
            db.execute("UPDATE clips SET video = ? WHERE clip_id = ?", (video, row["clip_id"]))
    db.close()
    for row in rows[1:]:
        res = client.get(url + row["clip_id"])
        assert res.status_code == 404 and "not for raters" not in res.text


def _db_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))


def test_tokens_are_kept_hashed_in_a_private_file(served):
    store, tokens, _, _ = served
    for p in store.path.parent.glob(f"{store.path.name}*"):
        assert p.stat().st_mode & 0o777 == 0o600, p
    data = _db_bytes(store.path)
    assert not any(t.encode() in data for t in tokens.values())
    assert store.rater(tokens["bob"]) == "bob" and store.rater("nope") is None
    assert store.add_raters(["ann", "dee"]).keys() == {"dee"}  # ann's link stays valid
    assert store.rater(tokens["ann"]) == "ann"


def test_a_database_from_before_hashing_and_history_is_migrated(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE raters (name TEXT PRIMARY KEY, token TEXT UNIQUE NOT NULL);
            CREATE TABLE clips (clip_id TEXT PRIMARY KEY, video TEXT NOT NULL,
                                emotion TEXT NOT NULL, position INTEGER NOT NULL);
            CREATE TABLE ratings (rater TEXT NOT NULL, clip_id TEXT NOT NULL, emotion TEXT NOT NULL,
                visible INTEGER NOT NULL, timing TEXT NOT NULL, realism INTEGER NOT NULL,
                artefacts TEXT NOT NULL, PRIMARY KEY (rater, clip_id));
            INSERT INTO raters VALUES ('ann', 'plain-token-of-ann-0123456789');
            INSERT INTO clips VALUES ('c1', 'v.mp4', 'fear', 0);
            INSERT INTO ratings VALUES ('ann', 'c1', 'fear', 1, 'micro', 3, '');""")
    db.close()
    path.chmod(0o644)
    store = ReviewStore(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert b"plain-token-of-ann" not in _db_bytes(path)
    assert store.rater("plain-token-of-ann-0123456789") == "ann"
    history = store.history()
    assert len(history) == 1 and history.loc[0, "at"] is None and not history.loc[0, "superseded"]
    store.save("ann", "c1", Rating("anger", True, "micro", 4, ""))
    assert store.history()["superseded"].tolist() == [True, False]
    assert ReviewStore(path).ratings()["emotion"].tolist() == ["anger"]  # reopening is a no-op


def test_every_response_carries_the_security_headers(served):
    _, tokens, client, rows = served
    token = tokens["ann"]
    page = client.get(f"/r/{token}")
    responses = [page, client.get(f"/r/{token}/video/{rows[0]['clip_id']}"), client.get("/r/nope"),
                 client.get("/nowhere"), client.post(f"/r/{token}/rate", data={})]
    assert [r.status_code for r in responses] == [200, 200, 403, 404, 422]
    for res in responses:
        assert res.headers["x-frame-options"] == "DENY"
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "same-origin"
        csp = res.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])[1]
    assert page.text.count(f'nonce="{nonce}"') == 2 and "onclick" not in page.text
    assert nonce not in client.get(f"/r/{token}").headers["content-security-policy"]


def test_cross_origin_posts_are_refused(served):
    store, tokens, client, rows = served
    url, form = f"/r/{tokens['ann']}/rate", _form(rows[0]["clip_id"])
    for headers in ({"origin": "http://evil.example"}, {"origin": "null"},
                    {"referer": "http://evil.example/page"}):
        res = client.post(url, data=form, headers=headers, follow_redirects=False)
        assert res.status_code == 403 and res.json()["detail"] == "cross-origin request refused"
    assert store.ratings().empty
    for headers in ({"origin": "http://testserver"}, {"referer": f"http://testserver{url}"}, {}):
        assert client.post(url, data=form, headers=headers, follow_redirects=False).status_code == 303


def test_exported_ratings_cannot_run_as_spreadsheet_formulas(served, tmp_path: Path):
    from equime.artifacts import ratings as ratings_files
    from equime.review.results import formula_safe

    store, _, _, rows = served
    texts = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "fine = ok"]
    table = formula_safe(pd.DataFrame({"artefacts": texts, "n": range(7)}), ["artefacts"])
    assert table["artefacts"].tolist() == [f"'{t}" for t in texts[:-1]] + ["fine = ok"]
    store.save("ann", rows[0]["clip_id"], Rating("fear", True, "micro", 3, texts[0]))
    ratings_files.write(tmp_path / "out", store.planned(), store.ratings())  # `review import`
    _, read = ratings_files.read_review(tmp_path / "out")
    assert read.loc[0, "artefacts"] == f"'{texts[0]}"


def test_a_repeated_rating_is_kept_and_the_latest_counts(served):
    store, tokens, client, rows = served
    clip = rows[0]["clip_id"]
    for emotion in ("fear", "happiness"):
        client.post(f"/r/{tokens['ann']}/rate", data=_form(clip, emotion=emotion))
    history = store.history()
    assert history["emotion"].tolist() == ["fear", "happiness"]
    assert history["superseded"].tolist() == [True, False] and history["seq"].is_monotonic_increasing
    assert history["at"].notna().all()
    current = store.ratings()
    assert current[["rater", "emotion"]].values.tolist() == [["ann", "happiness"]]
    clips, summary = review_results(store.planned(), current)
    assert clips.loc[0, "majority"] == "happiness" and summary["ratings"] == 1
    from equime.artifacts import ratings as ratings_files

    ratings_files.write(Path(store.path).parent / "out", store.planned(), current, history)
    exported = pd.read_csv(Path(store.path).parent / "out" / "history.csv")
    assert exported["emotion"].tolist() == ["fear", "happiness"]
    assert exported["superseded"].tolist() == [True, False]
    assert store.progress("ann")[1] == 1
