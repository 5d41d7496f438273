"""The semantic layer: what a KPI is, declared, not computed (DESIGN §6, ADR 0005).

* A **Dataset** is one model read by one attribution timestamp (the timestamp that places a record in a
  period, kpi-definitions §0.2) or date (imported business facts carry calendar days, which need no time
  zone), with the ORM paths of its breakdown dimensions and how its rows are scoped (ADR 0003): through the
  service request they belong to, through the store they belong to, or company-wide. The same model may back several datasets
  (requests by registration time, requests by resolution time): a GROUP BY buckets by one timestamp.
* A **Measure** is one aggregate over a dataset (count, sum, avg, percentile), with an optional filter and
  an optional right-censoring rule (§0.6).
* A **Kpi** is a ratio of two measures, a single measure, or an expression over other KPIs (and, for a
  growth rate, over their values in the period before: `previous`), with the names, formula, unit,
  direction and default target people read on the catalogue page.
* An **interval dataset** (`until_field`) holds rows in force from one day to another, such as a
  certificate's validity: its measures count the rows in force on the last day of each period (a stock
  "as of" the period end), not the rows that started in it.

The engine (`kpi.engine`) turns these into SQL; the registry is `kpi.catalogue`; `kpi.checks` validates
both at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, Expression, Q

PERIOD_DAYS = "period_days"  # an expression also reads the number of days of its period under this name


def prior(code: str) -> str:
    """The name under which an expression reads the value of KPI `code` in the period before its own
    (same grain, same breakdown key): for the KPIs listed in `Kpi.previous`."""
    return f"{code}@previous"


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting on Monday
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Aggregation(StrEnum):
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    # The distinct values of `field` that occur on at least two rows of the same period and breakdown key
    # (customers who bought twice): rows whose `field` is empty are out.
    COUNT_REPEATED = "count_repeated"
    SUM = "sum"
    AVG = "avg"
    PERCENTILE = "percentile"


class Unit(StrEnum):
    PERCENT = "%"  # stored as a fraction 0–1, shown ×100 (§0.8)
    POINTS = "points"  # NPS −100…+100, indices 0–100
    SCORE = "score"  # a mean on the survey item's own scale
    HOURS = "h"
    MINUTES = "min"
    COUNT = "count"
    CNY = "CNY"
    DAYS = "d"
    TURNS = "turns"
    PPM = "ppm"  # parts per million: a fraction × 10⁶ (the KPI's scale)


class Direction(StrEnum):
    HIGHER = "higher_better"
    LOWER = "lower_better"
    BAND = "target_band"


class Family(StrEnum):
    SURVEY = "survey"
    SERVICE = "service"
    CRM = "crm"
    DEALER = "4s"  # the 4S dealership's business KPIs (kpi-definitions §3)
    ENTERPRISE = "enterprise"
    QUALITY = "quality"


class Scoping(StrEnum):
    """Whose rows a person may see (ADR 0003)."""

    REQUEST = "request"  # the rows of the service requests they may see (`Ticket.objects.visible_to`)
    STORE = "store"  # the rows of their stores; company-wide viewers also see rows without a store
    COMPANY = "company"  # rows about no store: only for company-wide viewers


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per definition
class Dataset:
    code: str
    model: str  # "app_label.ModelName"
    time_field: str  # the attribution timestamp (a DateTimeField) or day (a DateField)
    ticket_path: str  # ORM path from a row to its service request; "" when the row is the request
    dimensions: Mapping[str, str]  # breakdown dimension -> ORM path of its key
    description: str = ""
    scoping: Scoping = Scoping.REQUEST
    store_path: str = ""  # Scoping.STORE: ORM path to the row's store; Scoping.COMPANY: to its empty store
    # An interval dataset: the last day (inclusive; empty = open-ended) of the interval that starts on
    # `time_field` (a DateField). A row counts in each period whose last day the interval covers.
    until_field: str = ""


@dataclass(frozen=True)
class Censor:
    """Right-censoring (§0.6): a record counts only once its outcome is known at "now", i.e. when
    `window_from + length <= now`, or earlier when `known` already holds (an answered request is known
    to have met or missed its 24 hours before the 24 hours are over)."""

    window_from: str
    length: timedelta = timedelta(0)
    known: Q | None = None


@dataclass(frozen=True, eq=False)
class Measure:
    code: str  # unique within its dataset; the SQL column names derive from it
    dataset: Dataset
    aggregation: Aggregation
    field: str | Expression = "pk"  # what is counted, summed, averaged or ranked
    filter: Q | None = None
    percentile: float | None = None  # 0 < p < 1, for PERCENTILE
    censor: Censor | None = None


@dataclass(frozen=True)
class Kpi:
    code: str
    name_zh: str
    name_en: str
    family: Family
    reference: str  # "kpi-definitions §2.4"
    formula: str
    unit: Unit
    direction: Direction
    numerator: Measure | None = None  # ratio: numerator / denominator
    denominator: Measure | None = None
    measure: Measure | None = None  # single: the measure's value
    inputs: tuple[str, ...] = ()  # expression: codes of the KPIs it reads ...
    expression: Callable[[Mapping[str, float]], float] | None = None  # ... and how (and PERIOD_DAYS)
    previous: tuple[str, ...] = ()  # inputs also read for the period before, as `prior(code)`
    scale: float = 1.0  # the value is multiplied by it (minutes -> hours: 1/60; NPS: 100)
    variant: str = ""  # which formula variant is the default, and why
    target: float | None = None  # in the stored unit (a fraction for %)
    warning: float | None = None  # amber from here to the target
    band: tuple[float, float] | None = None  # for Direction.BAND: the acceptable range
    min_n: int | None = None  # fewer observations than this: flagged as a small sample (§0.5)

    @property
    def kind(self) -> str:
        if self.inputs:
            return "expression"
        if self.numerator is not None:
            return "ratio"
        return "single"

    @property
    def measures(self) -> tuple[Measure, ...]:
        return tuple(m for m in (self.numerator, self.denominator, self.measure) if m is not None)


@dataclass(frozen=True)
class Catalogue:
    """The registry: every KPI in a readable order, looked up by code."""

    kpis: tuple[Kpi, ...]
    by_code: dict[str, Kpi] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {kpi.code: kpi for kpi in self.kpis})

    def __iter__(self):
        return iter(self.kpis)

    def get(self, code: str) -> Kpi | None:
        return self.by_code.get(code)

    def breakable_by(self, breakdown: str | None) -> list[Kpi]:
        """The KPIs that can be broken down by `breakdown` (all of them for none): every dataset they
        read has that dimension. Company-wide figures have no store, for instance."""
        if not breakdown:
            return list(self.kpis)
        return [
            kpi
            for kpi in self.kpis
            if all(
                all(part in measure.dataset.dimensions for part in breakdown.split("/"))
                for needed in self.closure([kpi.code])
                for measure in needed.measures
            )
        ]

    def closure(self, codes: list[str]) -> list[Kpi]:
        """The KPIs named and, for expressions, the KPIs they read (inputs first)."""
        ordered: dict[str, Kpi] = {}

        def visit(code: str) -> None:
            kpi = self.by_code[code]
            for name in kpi.inputs:
                visit(name)
            ordered.setdefault(code, kpi)

        for code in codes:
            visit(code)
        return list(ordered.values())


def field_at(model, path: str):
    """The model field at the end of an ORM path (`store__code`), or None."""
    field = None
    parts = path.split("__")
    for index, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model
        if model is None and index < len(parts) - 1:
            return None
    return field


def dataset_is_dated(dataset: Dataset) -> bool:
    """Whether the dataset's rows are placed by a calendar date (a DateField) rather than a timestamp."""
    return not isinstance(field_at(apps.get_model(dataset.model), dataset.time_field), DateTimeField)
