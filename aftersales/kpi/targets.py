"""Targets and status: which target applies to a KPI in a store and period, and whether a value meets it.

* A KPI's default target and warning threshold come from its catalogue definition (the seed's: CSAT
  top-2-box ≥ 95 %, every request effectively responded within 24 h, resolution accuracy ≥ 98 %).
* Admins override them per KPI × store (or every store) × range of periods with `KpiTarget` rows.
  The row that applies to a period is the one valid on the period's first day, the store's own before
  the one for every store, and of several the one valid from the latest date (then the newest row).
* `status()` is pure: green at or beyond the target, amber between the warning threshold and the target,
  red past the warning threshold; for a band KPI green inside the band, amber within the warning margin
  outside it. No value, or no target, has no status (kpi-definitions §0.5, §0.9).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.semantic import Direction, Kpi


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = ""


class Source(StrEnum):
    STORE = "store"  # a KpiTarget row for the store
    ALL_STORES = "all_stores"  # a KpiTarget row for every store
    CATALOGUE = "catalogue"  # the KPI's default


@dataclass(frozen=True)
class Target:
    target: float | None
    warning: float | None = None
    band: tuple[float, float] | None = None
    source: Source = Source.CATALOGUE


def status(
    value: float | None,
    *,
    direction: Direction,
    target: float | None,
    warning: float | None = None,
    band: tuple[float, float] | None = None,
) -> Status:
    """The traffic light of `value` against a target (see the module docstring)."""
    if value is None:
        return Status.NONE
    if direction == Direction.BAND:
        if band is None:
            return Status.NONE
        low, high = band
        if low <= value <= high:
            return Status.GREEN
        outside = low - value if value < low else value - high
        return Status.AMBER if warning is not None and outside <= warning else Status.RED
    if target is None:
        return Status.NONE
    if direction == Direction.HIGHER:
        if value >= target:
            return Status.GREEN
        return Status.AMBER if warning is not None and value >= warning else Status.RED
    if value <= target:
        return Status.GREEN
    return Status.AMBER if warning is not None and value <= warning else Status.RED


def status_of(kpi: Kpi, value: float | None, target: Target | None) -> Status:
    if target is None:
        return Status.NONE
    return status(
        value, direction=kpi.direction, target=target.target, warning=target.warning, band=target.band
    )


def catalogue_target(kpi: Kpi) -> Target | None:
    if kpi.target is None and kpi.band is None:
        return None
    return Target(target=kpi.target, warning=kpi.warning, band=kpi.band, source=Source.CATALOGUE)


class TargetBook:
    """The KpiTarget rows of some KPIs, read in one query, resolved per store and period in memory."""

    def __init__(self, rows: Iterable[dict]):
        self._rows: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            self._rows[row["kpi_code"]].append(row)

    def resolve(self, kpi: Kpi, *, store: str | None, day: date) -> Target | None:
        """The target of `kpi` for the period starting `day`, in the store with code `store` (None: the
        company as a whole, which only rows for every store apply to)."""
        valid = [
            row
            for row in self._rows.get(kpi.code, ())
            if row["valid_from"] <= day and (row["valid_until"] is None or day <= row["valid_until"])
        ]
        levels = [(store, Source.STORE)] if store is not None else []
        for wanted, source in [*levels, (None, Source.ALL_STORES)]:
            candidates = [row for row in valid if row["store__code"] == wanted]
            if candidates:
                row = max(candidates, key=lambda r: (r["valid_from"], r["pk"]))
                band = (row["band_low"], row["band_high"]) if row["band_low"] is not None else None
                return Target(target=row["target"], warning=row["warning"], band=band, source=source)
        return catalogue_target(kpi)


def target_book(codes: Iterable[str]) -> TargetBook:
    """The targets of the KPIs `codes` (one query)."""
    from aftersales.kpi.models import KpiTarget

    rows = KpiTarget.objects.filter(kpi_code__in=list(codes)).values(
        "pk",
        "kpi_code",
        "store__code",
        "valid_from",
        "valid_until",
        "target",
        "warning",
        "band_low",
        "band_high",
    )
    return TargetBook(rows)


def validate_target(
    *,
    kpi_code: str,
    valid_from: date | None,
    valid_until: date | None,
    target: float | None,
    warning: float | None,
    band_low: float | None,
    band_high: float | None,
) -> dict[str, str]:
    """What is wrong with a target row, by field (empty when nothing is)."""
    kpi = CATALOGUE.get(kpi_code)
    if kpi is None:
        return {"kpi_code": _("Unknown KPI code '%(code)s'.") % {"code": kpi_code}}
    errors: dict[str, str] = {}
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = _("The target must end on or after the day it starts.")
    if kpi.direction == Direction.BAND:
        if band_low is None or band_high is None:
            errors["band_low"] = _("A band KPI needs both ends of its band.")
        elif band_high < band_low:
            errors["band_high"] = _("The band's upper end must not be below its lower end.")
        if warning is not None and warning < 0:
            errors["warning"] = _("For a band KPI the warning is a margin outside the band, not negative.")
        return errors
    if target is None:
        errors["target"] = _("Give a target.")
    elif warning is not None:
        if kpi.direction == Direction.HIGHER and warning > target:
            errors["warning"] = _(
                "Higher is better here: the warning threshold must not be above the target."
            )
        if kpi.direction == Direction.LOWER and warning < target:
            errors["warning"] = _("Lower is better here: the warning threshold must not be below the target.")
    return errors
