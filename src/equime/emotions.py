"""The emotions equime plans, labels and asks raters about: one table (the basic emotions of
the ME datasets' codings: CASME II, SAMM; MEGC maps them to three classes in
:mod:`equime.datasets.labels`)."""

EMOTIONS: tuple[str, ...] = ("happiness", "sadness", "surprise", "fear", "anger", "disgust",
                             "contempt")
