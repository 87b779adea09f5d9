"""Planning: emotion → AU set with intensities → prompt, timing and seed, one row per clip."""
