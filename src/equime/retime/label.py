"""A generated clip's label, measured: which AUs its raw apex shows (the NNLS decomposition of
its landmark motion, the head and the outline removed) and whether they support the emotion it
was prompted for, by what real micro-expressions of that emotion fire (``plan.observed``)."""

from __future__ import annotations

from collections.abc import Iterable

from equime.faces.aus import au_pattern
from equime.plan.observed import frequent_aus, side_less

MOVED_SHARE = 0.5  # an AU moved where its estimate is at least this share of the strongest's
# at most this many (the strongest): real MEs fire 1-3 AUs (259 of the 264 SAMM and CASME II
# labels in plan.observed's table); a diffuse motion the fit spreads over many AUs is labelled
# by its strongest
MAX_AUS = 3


def moved_aus(estimated: dict[str, float]) -> dict[str, float]:
    """The AUs that carry the motion, strongest first, with their estimates: each AU's codes
    added up (``12``, ``L12``, ``R12``: the fit shares one motion among them), those ≥
    :data:`MOVED_SHARE` of the strongest kept (the fit spreads a little of any motion, and the
    landmarks' noise, over many AUs), at most :data:`MAX_AUS`, each named by its side where one
    side holds most of it."""
    totals = au_pattern(estimated)
    top = max(totals.values(), default=0.0)
    if top <= 0:
        return {}
    kept = sorted((n for n, v in totals.items() if v >= MOVED_SHARE * top),
                  key=lambda n: (-totals[n], n))[:MAX_AUS]
    return {max((c for c in (n, f"L{n}", f"R{n}") if c in estimated),
                key=lambda c: (estimated[c], c == n)): totals[n] for n in kept}


def label_refusal(emotion: str, measured: Iterable[str]) -> str:
    """Why ``measured`` AUs do not show ``emotion`` ("" when one of the emotion's frequent AUs
    is among them, or the emotion is unknown)."""
    if not emotion:
        return ""
    frequent = frequent_aus(emotion)
    measured = tuple(measured)
    if not frequent or {side_less(c) for c in measured} & set(frequent):
        return ""
    shown = "+".join(measured) or "none"
    return (f"rendered AUs {shown} do not show {emotion} (real {emotion} micro-expressions fire "
            f"{' or '.join(frequent)})")
