"""Label maps, as data: each dataset's emotion names → the MEGC 2019 three classes."""

from __future__ import annotations

MEGC3: dict[str, dict[str, str]] = {
    "casme2": {"happiness": "positive", "disgust": "negative", "repression": "negative",
               "fear": "negative", "sadness": "negative", "surprise": "surprise"},
    "samm": {"happiness": "positive", "anger": "negative", "contempt": "negative",
             "disgust": "negative", "fear": "negative", "sadness": "negative",
             "surprise": "surprise"},
    "smic": {"positive": "positive", "negative": "negative", "surprise": "surprise"},
    "casme3": {"happy": "positive", "happiness": "positive", "disgust": "negative",
               "fear": "negative", "anger": "negative", "sad": "negative", "sadness": "negative",
               "surprise": "surprise"},
    "miex": {"positive": "positive", "negative": "negative", "surprise": "surprise",
             "happiness": "positive", "sadness": "negative", "anger": "negative",
             "disgust": "negative", "fear": "negative", "contempt": "negative"},
    "synthetic": {"happiness": "positive", "sadness": "negative", "fear": "negative",
                  "anger": "negative", "disgust": "negative", "contempt": "negative",
                  "surprise": "surprise"},
}
MEGC_LABELS = {0: "negative", 1: "positive", 2: "surprise"}  # combined_3class_gt.csv codes
# MiE-X clips are 10 sampled frames with no capture rate; 10 stands for "one clip per second"
FPS = {"casme2": 200, "samm": 200, "smic-HS": 100, "smic-VIS": 25, "smic-NIR": 25, "casme3": 30,
       "miex": 10}


def megc3(dataset: str, emotion: str) -> str | None:
    return MEGC3[dataset].get(emotion.strip().lower())
