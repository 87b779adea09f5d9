"""A generated clip keeps its prompted label only where the AUs it shows support it."""

from equime.retime.label import label_refusal, moved_aus


def test_the_aus_that_carry_the_motion_strongest_first():
    est = {"12": 0.4, "6": 0.25, "14": 0.1, "1": 0.0, "20": 0.0, "R20": 0.19}
    assert moved_aus(est) == {"12": 0.4, "6": 0.25}
    # one motion the fit shares among an AU's codes counts whole, named by its stronger side
    est = {"12": 0.1, "L12": 0.3, "R12": 0.0, "R23": 0.3, "23": 0.0, "L23": 0.0}
    assert moved_aus(est) == {"L12": 0.4, "R23": 0.3}
    assert moved_aus({"12": 0.0}) == {} and moved_aus({}) == {}
    diffuse = {"14": 0.5, "10": 0.49, "5": 0.48, "23": 0.47, "12": 0.45}
    assert moved_aus(diffuse) == {"14": 0.5, "10": 0.49, "5": 0.48}  # the 3 strongest


def test_an_emotion_is_kept_only_with_one_of_its_frequent_aus():
    assert label_refusal("happiness", ("12",)) == ""
    assert label_refusal("anger", ("L7", "25")) == ""  # a side counts as its AU
    assert label_refusal("", ("25",)) == ""  # nothing prompted: nothing to check
    refusal = label_refusal("disgust", ("25", "26"))
    assert refusal.startswith("rendered AUs 25+26 do not show disgust")
    assert "10" in refusal and "4" in refusal
    assert label_refusal("surprise", ()).startswith("rendered AUs none do not show surprise")
