"""Facts about attribute labels, in one table each: codes, deepface's label sets and weights."""

from __future__ import annotations

from typing import Literal

AttributeSource = Literal["annotations", "deepface"]
SOURCES: tuple[str, ...] = ("annotations", "deepface")

UNKNOWN = "u"
GENDERS: dict[str, str] = {"f": "female", "m": "male", UNKNOWN: "unknown"}

# deepface's label sets (deepface.models.demography.DemographyUtils), in its output order
DEEPFACE_GENDERS: dict[str, str] = {"Woman": "f", "Man": "m"}
RACES: tuple[str, ...] = ("asian", "indian", "black", "white", "middle eastern", "latino hispanic")
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

# labels an annotation file may use for gender (case-insensitive) → code
ANNOTATION_GENDERS: dict[str, str] = {
    "f": "f", "female": "f", "woman": "f", "w": "f",
    "m": "m", "male": "m", "man": "m",
}
# CelebA's boolean column that carries gender (True = male)
CELEBA_GENDER = "Male"

# deepface action → (model name in deepface's registry, weight file under
# $DEEPFACE_HOME/.deepface/weights, module of its PyTorch client, which holds WEIGHTS_URL)
DEEPFACE_MODELS: dict[str, tuple[str, str, str]] = {
    "emotion": ("Emotion", "facial_expression_model_weights.pth",
                "deepface.models.demography.pytorch.Emotion"),
    "age": ("Age", "age_model_weights.pth", "deepface.models.demography.pytorch.Age"),
    "gender": ("Gender", "gender_model_weights.pth", "deepface.models.demography.pytorch.Gender"),
    "race": ("Race", "race_model_single_batch.pth", "deepface.models.demography.pytorch.Race"),
}
ACTIONS: tuple[str, ...] = tuple(DEEPFACE_MODELS)
# detectors that need no downloaded weights (opencv's Haar cascades ship with the wheel)
OFFLINE_DETECTORS: tuple[str, ...] = ("opencv", "skip")


def normalise_race(value: str) -> str | None:
    """'Middle_Eastern' → 'middle eastern'; None if not one of :data:`RACES`."""
    text = " ".join(value.replace("_", " ").replace("-", " ").lower().split())
    return text if text in RACES else None
