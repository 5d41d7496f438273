"""Drill-down: the records behind a KPI value's numerator and denominator (DESIGN §6).

    drill = kpi_drill(code="response_24h_rate", part="numerator", start=date(2026, 3, 1),
                      end=date(2026, 4, 1), breakdown="store", key="store-a", user=request.user)
    drill.rows          # a queryset of the requests counted in the numerator of store A's March value

The rows are built from the engine's own pieces, so they are exactly the rows the value counts: the
dataset's rows the person may see in [start, end) of its attribution timestamp (`engine.dataset_rows`),
the measure's filter and right-censoring at `now` (`engine.measure_condition`), and the breakdown key's
dimension path (an empty dimension is the key "", as in the engine).

What identifies a row depends on the dataset's scoping: a service request's rows show the request
number (a link) and its store; an imported fact's rows (`Scoping.STORE`, `Scoping.COMPANY`) show the
fields of its natural key (`facts.datasets`), its date and its store. Company-wide rows belong to no
store: a store filter leaves none of them.

A ratio has a numerator and a denominator; a single measure (a mean, a percentile, a count) has the
records it reads; an expression KPI drills into the KPIs it is computed from. A growth rate (a KPI that
reads the period before, `Kpi.previous`) also has the part "previous": the records of the period before,
a whole period as the engine reads it (`previous_range`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, Expression, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.facts import datasets as fact_datasets
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.engine import (
    dataset_rows,
    measure_condition,
    next_period_start,
    period_start_of,
    previous_period_start,
)
from aftersales.kpi.semantic import Aggregation, Dataset, Grain, Kpi, Measure, Scoping, field_at


class Part(StrEnum):
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"
    RECORDS = "records"  # what a single measure reads
    PREVIOUS = "previous"  # a growth rate's records of the period before


PART_LABELS = {
    Part.NUMERATOR: gettext_lazy("numerator"),
    Part.DENOMINATOR: gettext_lazy("denominator"),
    Part.RECORDS: gettext_lazy("records"),
    Part.PREVIOUS: gettext_lazy("period before"),
}
STORE_DIMENSION = "store"
OWN_DIMENSION = "specialist"  # a specialist's own records: the rows whose request is assigned to them


def parts_of(kpi: Kpi) -> dict[Part, Measure]:
    """The measures behind a KPI's value, by the part of it they are."""
    if kpi.kind == "ratio":
        return {Part.NUMERATOR: kpi.numerator, Part.DENOMINATOR: kpi.denominator}
    if kpi.kind == "single":
        return {Part.RECORDS: kpi.measure}
    parts: dict[Part, Measure] = {}
    for code in kpi.inputs:
        for part, measure in parts_of(CATALOGUE.by_code[code]).items():
            parts.setdefault(part, measure)
    for code in kpi.previous:
        # the first records of what the growth compares with (a sum of deals: the deals)
        parts.setdefault(Part.PREVIOUS, next(iter(parts_of(CATALOGUE.by_code[code]).values())))
    return parts


def previous_range(start: date, end: date, grain: Grain | None = None) -> tuple[date, date]:
    """The period before [start, end) as a growth rate reads it: the whole period of `grain` before the
    one `start` is in. Without a grain, the grain is the smallest (day, week, month, quarter, year) one
    period of which holds [start, end): a month's value compares with the month before, a quarter's
    with the quarter before, a range starting inside a month with the whole month before."""
    grains = [grain] if grain else list(Grain)
    for candidate in grains:
        first = period_start_of(start, candidate)
        if grain or end <= next_period_start(first, candidate):
            return previous_period_start(first, candidate), first
    raise ApplicationError(
        _(
            "The period before is that of one day, week, month, quarter or year: %(start)s to %(end)s spans more."
        )
        % {"start": start.isoformat(), "end": end.isoformat()},
        field="end",
    )


@dataclass(frozen=True)
class Column:
    path: str  # ORM path from the row, for .values()
    label: str
    choices: tuple[tuple[object, str], ...] = ()  # a choice field's values and what people read for them

    def shown(self, value):
        """The value as people read it: a choice's label (a deal's channel "retail" is "零售")."""
        return next((label for choice, label in self.choices if choice == value), value)


@dataclass
class Drill:
    kpi: Kpi
    part: Part
    measure: Measure
    start: date
    end: date
    breakdown: str | None
    key: str | None
    store: str | None
    rows: QuerySet  # the records, in attribution order
    number_path: str  # ORM path to the request number of each row; "" for fact rows
    store_path: str  # ORM path to the store's code; "" for company-wide rows
    columns: list[Column]  # the fields the measure reads
    identity: list[Column]  # what names each row: the request and store, or a fact's key, date and store

    @property
    def links_requests(self) -> bool:
        """Whether the first column is a request number (the page links it to the request)."""
        return bool(self.number_path)

    @property
    def all_columns(self) -> list[Column]:
        """The identity columns, then the measure's fields not already among them."""
        shown = {column.path for column in self.identity}
        return [*self.identity, *(column for column in self.columns if column.path not in shown)]

    @property
    def distinct_field(self) -> str | None:
        """For a distinct count (customers), what is counted once however many rows it has."""
        if self.measure.aggregation in (
            Aggregation.COUNT_DISTINCT,
            Aggregation.COUNT_REPEATED,
        ) and isinstance(self.measure.field, str):
            return self.measure.field
        return None


def kpi_drill(
    *,
    code: str,
    part: str,
    start: date,
    end: date,
    user,
    breakdown: str | None = None,
    key: str | None = None,
    store: str | None = None,
    own_only: bool = False,
    grain: Grain | None = None,
    now: datetime | None = None,
) -> Drill:
    """The records behind `part` of KPI `code` in [start, end), for breakdown key `key` of `breakdown`
    (no breakdown: all keys), over what `user` may see, in the store with code `store` when given;
    `own_only` keeps the rows of requests assigned to `user`. The part "previous" of a growth rate lists
    the period before instead (`previous_range`, at `grain` when given). Bad input raises
    ApplicationError naming the parameter."""
    kpi = CATALOGUE.get(code)
    if kpi is None:
        raise ApplicationError(_("Unknown KPI code(s): %(codes)s.") % {"codes": code}, field="kpi")
    parts = parts_of(kpi)
    try:
        measure = parts[Part(part)]
    except (ValueError, KeyError):
        raise ApplicationError(
            _("This KPI has no part '%(part)s'; choose one of %(parts)s.")
            % {"part": part, "parts": ", ".join(parts)},
            field="part",
        ) from None
    if start >= end:
        raise ApplicationError(
            _("The period must end after it starts (start %(start)s, end %(end)s).")
            % {"start": start.isoformat(), "end": end.isoformat()},
            field="end",
        )
    if Part(part) == Part.PREVIOUS:
        start, end = previous_range(start, end, grain)
    dataset = measure.dataset
    if breakdown and breakdown not in dataset.dimensions:
        raise ApplicationError(
            _("These KPIs cannot be broken down by '%(breakdown)s'; choose one of %(supported)s.")
            % {"breakdown": breakdown, "supported": ", ".join(sorted(dataset.dimensions))},
            field="breakdown",
        )
    rows = dataset_rows(dataset, start=start, end=end, user=user)
    condition = measure_condition(measure, now or clock.now())
    if condition is not None:
        rows = rows.filter(condition)
    if breakdown and key is not None:
        rows = rows.filter(_key_is(dataset.dimensions[breakdown], key))
    if store:
        rows = _in_store(rows, dataset, store)
    if own_only:
        # A person's own rows: their requests, their attendance; a store's sales are not anybody's own.
        own = dataset.dimensions.get(OWN_DIMENSION)
        rows = rows.filter(**{own: user.get_username()}) if own else rows.none()
    if measure.aggregation == Aggregation.COUNT_REPEATED:
        # A repeat customer's rows: those whose value another row listed carries too.
        again = rows.filter(**{measure.field: OuterRef(measure.field)}).exclude(pk=OuterRef("pk"))
        rows = rows.filter(Exists(again))
    model = apps.get_model(dataset.model)
    if dataset.scoping == Scoping.REQUEST:
        ticket = f"{dataset.ticket_path}__" if dataset.ticket_path else ""
        number_path, store_path = f"{ticket}number", f"{ticket}store__code"
        identity = [Column(number_path, _("request")), Column(store_path, _("store"))]
    else:
        number_path = ""
        store_path = f"{dataset.store_path}__code" if dataset.scoping == Scoping.STORE else ""
        identity = _fact_identity(dataset, model, store_path)
    return Drill(
        kpi=kpi,
        part=Part(part),
        measure=measure,
        start=start,
        end=end,
        breakdown=breakdown or None,
        key=key if breakdown else None,
        store=store or None,
        rows=rows.order_by(dataset.time_field, "pk"),
        number_path=number_path,
        store_path=store_path,
        columns=[Column(path, _label(model, path), _choices(model, path)) for path in _read_fields(measure)],
        identity=identity,
    )


def _in_store(rows: QuerySet, dataset: Dataset, store: str) -> QuerySet:
    """The rows of the store with code `store`; company-wide rows are of no store."""
    if dataset.scoping == Scoping.COMPANY:
        return rows.none()
    if dataset.scoping == Scoping.STORE:
        return rows.filter(**{f"{dataset.store_path}__code": store})
    return rows.filter(**{dataset.dimensions[STORE_DIMENSION]: store})


# A reference in a fact's natural key is shown by the code people import it with.
REFERENCE_CODES = {
    fact_datasets.STORE: "code",
    fact_datasets.PERSON: "username",
    fact_datasets.SESSION: "code",
}


def _fact_identity(dataset: Dataset, model, store_path: str) -> list[Column]:
    """A fact row's natural key (as imported: store code, username, session code), its date and store."""
    imported = next((d for d in fact_datasets.REGISTRY if d.model is model), None)
    paths: list[str] = []
    for name in imported.key if imported else ():
        kind = imported.by_field[name].kind
        paths.append(f"{name}__{REFERENCE_CODES[kind]}" if kind in REFERENCE_CODES else name)
    paths.append(dataset.time_field)
    if store_path:
        paths.append(store_path)
    columns = []
    for path in dict.fromkeys(paths):
        label = _("store") if path == store_path else _label(model, path, relation=True)
        columns.append(Column(path, label, _choices(model, path)))
    return columns


def _key_is(path: str, key: str) -> Q:
    """The rows of breakdown key `key`; "" is the key of rows without a value (NULL or empty)."""
    if key == "":
        return Q(**{f"{path}__isnull": True}) | Q(**{path: ""})
    return Q(**{path: key})


def _read_fields(measure: Measure) -> list[str]:
    """The model fields a measure reads, as value paths: its attribution time, its field, the fields
    its filter and censoring compare (lookups such as __lte taken off), in that order, once each."""
    model = apps.get_model(measure.dataset.model)
    lookups = [measure.dataset.time_field]
    if isinstance(measure.field, str) and measure.field != "pk":
        lookups.append(measure.field)
    elif isinstance(measure.field, Expression):
        # price − cost, sick + personal + unexcused days: each field the expression reads
        lookups.extend(node.name for node in measure.field.flatten() if isinstance(node, F))
    if measure.censor is not None:
        lookups.append(measure.censor.window_from)
    for condition in (measure.filter, measure.censor.known if measure.censor else None):
        lookups.extend(_q_lookups(condition))
    paths = [_field_path(model, lookup) for lookup in lookups]
    return list(dict.fromkeys(path for path in paths if path))


def _q_lookups(condition) -> list[str]:
    if not isinstance(condition, Q):
        return []  # an expression (Exists ...) reads other rows, not a field of this one
    found = []
    for child in condition.children:
        if isinstance(child, Q):
            found.extend(_q_lookups(child))
        elif isinstance(child, tuple):
            found.append(child[0])
    return found


def _field_path(model, lookup: str) -> str:
    """The longest prefix of `lookup` that names a concrete field (`number__gte` -> `number`,
    `item__kind` -> `item__kind`); a path ending on a relation is left out (it names a row, not a value)."""
    path: list[str] = []
    current = model
    for name in lookup.split("__"):
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist:
            break
        path.append(name)
        if not field.is_relation:
            return "__".join(path)
        current = field.related_model
    return ""


def _label(model, path: str, *, relation: bool = False) -> str:
    """The verbose name of the field at `path`; with `relation`, of the relation the path goes through
    first (a fact's `person__username` is its "person")."""
    current, field = model, None
    for name in path.split("__"):
        field = current._meta.get_field(name)
        if relation and field.is_relation:
            return str(field.verbose_name)
        current = field.related_model if field.is_relation else current
    return str(field.verbose_name)


def _choices(model, path: str) -> tuple[tuple[object, str], ...]:
    field = field_at(model, path)
    return tuple((value, str(label)) for value, label in field.flatchoices) if field and field.choices else ()
