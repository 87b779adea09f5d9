from equime.artifacts import longvideos
from equime.report.sections import longvideo_section


def _event(video, onset, offset, kind, coarse):
    return {"Subject": "s1", "Filename": video, "Onset": onset, "Apex": onset + 2,
            "Offset": offset, "Duration": offset - onset, "Type": kind, "Action Units": "12",
            "Emotion": "happiness", "fps": 30, "coarse": coarse}


def test_the_long_video_section_scores_the_spots_against_the_truth(tmp_path):
    events = [_event("v1", 10, 20, "Micro - 1/2", "positive"),
              _event("v1", 100, 200, "Macro", "positive"),
              _event("v1", 300, 310, "Micro - 1/2", "negative")]
    spot = {"subject": "s1", "video": "v1", "apex": 0, "aus": "", "fine": ""}
    spots = [{**spot, "onset": 11, "offset": 20, "emotion": "positive", "type": "ME"},  # IoU 10/11
             {**spot, "onset": 100, "offset": 180, "emotion": "positive", "type": "MaE"},
             {**spot, "onset": 500, "offset": 505, "emotion": "negative", "type": "ME"}]  # a FP
    longvideos.write_tables(tmp_path, events, spots, [])
    section = longvideo_section(tmp_path)
    assert section.missing is None and len(section.images) == 1
    scores = {r[0]: dict(zip(section.tables[1]["columns"], r, strict=True))
              for r in section.tables[1]["rows"]}
    corrected = scores["corrected"]
    assert (corrected["TP spotting"], corrected["FP spotting"], corrected["FN spotting"]) == (1, 1, 1)
    assert corrected["F1-score spotting"] == 0.5
    assert "macro-expression spotting F1 1.0" in section.tables[1]["caption"]
    assert longvideo_section(tmp_path / "none").missing
