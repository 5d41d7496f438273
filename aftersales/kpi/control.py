"""Statistical control limits for rates: the p-chart (Shewhart's attribute chart for a proportion).

A rate that moves from one month to the next is mostly noise when the samples are small; a point
outside its control limits is a real shift (DESIGN §6, issue 4 §6). For points i = 1..k with numerator
x_i (say, requests answered within 24 h) and denominator n_i (requests judged):

    centre line     p̄ = Σ x_i / Σ n_i                      over the baseline points (ratio of sums,
                                                           kpi-definitions §0.4)
    limits of i     p̄ ± 3 · sqrt(p̄ (1 − p̄) / n_i)          clipped to [0, 1]; they widen as n_i shrinks

A point with n_i = 0 has no rate and no limits (§0.5). Pure: no database, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

SIGMAS = 3


class Signal(StrEnum):
    ABOVE = "above"  # beyond the upper control limit
    BELOW = "below"  # beneath the lower control limit
    NONE = ""


@dataclass(frozen=True)
class ControlPoint:
    numerator: float
    denominator: float
    rate: float | None
    lower: float | None
    upper: float | None
    signal: Signal

    @property
    def shifted(self) -> bool:
        return self.signal != Signal.NONE


@dataclass(frozen=True)
class PChart:
    centre: float | None  # None: the baseline has no observations
    points: list[ControlPoint]


def p_chart(points: Sequence[tuple[float, float]], baseline: slice | None = None) -> PChart:
    """The p-chart of `points` [(numerator, denominator), ...]; the centre line is computed over
    `baseline` (a slice of the points; default: all of them) and the limits applied to every point."""
    base = points[baseline] if baseline is not None else points
    observed = sum(n for _x, n in base)
    centre = sum(x for x, _n in base) / observed if observed else None
    charted = []
    for numerator, denominator in points:
        if numerator < 0 or denominator < 0 or numerator > denominator:
            raise ValueError(f"not a proportion: {numerator} of {denominator}")
        if not denominator:
            charted.append(ControlPoint(numerator, denominator, None, None, None, Signal.NONE))
            continue
        rate = numerator / denominator
        if centre is None:
            charted.append(ControlPoint(numerator, denominator, rate, None, None, Signal.NONE))
            continue
        spread = SIGMAS * math.sqrt(centre * (1 - centre) / denominator)
        lower, upper = max(0.0, centre - spread), min(1.0, centre + spread)
        signal = Signal.ABOVE if rate > upper else Signal.BELOW if rate < lower else Signal.NONE
        charted.append(ControlPoint(numerator, denominator, rate, lower, upper, signal))
    return PChart(centre=centre, points=charted)
