import numpy as np

from equime.longvideo.events import MACRO, MICRO
from equime.longvideo.spot import spots
from equime.plan.observed import likeliest_emotion
from tests import fixtures

LV = fixtures.params().longvideo.model_copy(update={"merge_gap_s": 0.1, "micro_max_s": 0.5,
                                                     "min_event_s": 0.05})


def test_runs_of_motion_become_spots_typed_by_duration():
    fps = 30.0
    curve = np.zeros(300)
    curve[50:56] = [1, 2, 4, 3, 2, 1]  # 6 frames: onset 49 … offset 56, 7/30 s: an ME
    curve[100:160] = 1.0  # 60 frames: a macro-expression
    curve[120] = 5.0
    curve[200:204] = 1.0
    curve[206:210] = 2.0  # a gap of 2 frames (1/15 s <= merge_gap_s): one run 200-209
    curve[250] = 9.0  # one frame (1/30 s < min_event_s): noise
    found = spots(curve, fps, LV)
    assert [(s.onset, s.apex, s.offset, s.kind) for s in found] == [
        (49, 52, 56, MICRO), (99, 120, 160, MACRO), (199, 206, 210, MICRO)]


def test_the_likeliest_emotion_reads_the_observed_label_statistics():
    among = ("happiness", "sadness", "surprise", "fear", "anger")
    assert likeliest_emotion(["R12"], among) == "happiness"  # 26 of 26 SAMM happiness
    assert likeliest_emotion(["7"], among) == "anger"  # 42 of 57 SAMM anger
    assert likeliest_emotion(["5"], among) == "surprise"
    assert likeliest_emotion([], among) == "happiness"  # nothing moved: the first
