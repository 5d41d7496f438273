"""Start-up validation of the KPI registry (`kpi.catalogue`): a typo in a definition fails `manage.py
check` (and so every test run and every server start) instead of a dashboard at month end."""

from django.apps import apps
from django.core.checks import Error, register
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db.models import DateField, Expression, ForeignKey

from aftersales.accounts.models import Store
from aftersales.kpi.semantic import (
    Aggregation,
    Catalogue,
    Dataset,
    Direction,
    Kpi,
    Measure,
    Scoping,
    Unit,
    field_at,
)


@register("aftersales")
def kpi_catalogue_is_valid(app_configs, **kwargs):
    from aftersales.kpi.catalogue import CATALOGUE

    return [
        Error(message, obj="aftersales.kpi.catalogue", id="aftersales.E101")
        for message in problems(CATALOGUE)
    ]


def problems(catalogue: Catalogue) -> list[str]:
    """Every inconsistency of the registry, one message each."""
    found: list[str] = []
    codes = [kpi.code for kpi in catalogue]
    found += [
        f"KPI code '{code}' is used more than once"
        for code in sorted({c for c in codes if codes.count(c) > 1})
    ]
    datasets: dict[str, Dataset] = {}
    measures: dict[tuple[str, str], Measure] = {}
    for kpi in catalogue:
        found += _kpi_problems(kpi, catalogue)
        for measure in kpi.measures:
            known = datasets.setdefault(measure.dataset.code, measure.dataset)
            if known != measure.dataset:
                found.append(f"two different datasets are called '{measure.dataset.code}'")
            same = measures.setdefault((measure.dataset.code, measure.code), measure)
            if same != measure:
                found.append(
                    f"two different measures are called '{measure.code}' in '{measure.dataset.code}'"
                )
    for dataset in datasets.values():
        found += _dataset_problems(dataset)
    for measure in measures.values():
        found += _measure_problems(measure)
    found += _cycles(catalogue)
    return found


def _kpi_problems(kpi: Kpi, catalogue: Catalogue) -> list[str]:
    where = f"KPI '{kpi.code}'"
    found = []
    if kpi.unit not in _values(Unit):
        found.append(f"{where}: unknown unit '{kpi.unit}'")
    if kpi.direction not in _values(Direction):
        found.append(f"{where}: unknown direction '{kpi.direction}'")
    if kpi.direction == Direction.BAND and kpi.band is None:
        found.append(f"{where}: a target band KPI needs its band")
    shapes = [
        kpi.numerator is not None and kpi.denominator is not None,
        kpi.measure is not None,
        bool(kpi.inputs),
    ]
    if shapes.count(True) != 1 or (kpi.numerator is None) != (kpi.denominator is None):
        found.append(f"{where}: give numerator and denominator, or one measure, or inputs with an expression")
    if bool(kpi.inputs) != (kpi.expression is not None):
        found.append(f"{where}: an expression needs its inputs and the inputs an expression")
    found += [f"{where}: reads unknown KPI '{code}'" for code in kpi.inputs if catalogue.get(code) is None]
    found += [
        f"{where}: reads '{code}' of the period before, but not among its inputs"
        for code in kpi.previous
        if code not in kpi.inputs
    ]
    if not (kpi.name_zh and kpi.name_en and kpi.formula and kpi.reference.startswith("kpi-definitions §")):
        found.append(f"{where}: needs both names, a formula and its kpi-definitions section")
    return found


def _dataset_problems(dataset: Dataset) -> list[str]:
    where = f"dataset '{dataset.code}'"
    try:
        model = apps.get_model(dataset.model)
    except (LookupError, ValueError):
        return [f"{where}: no model '{dataset.model}'"]
    found = []
    time_field = field_at(model, dataset.time_field)
    if not isinstance(time_field, DateField):  # a DateTimeField is a DateField too
        found.append(
            f"{where}: time field '{dataset.time_field}' is not a date or date-time field of {dataset.model}"
        )
    if dataset.scoping not in _values(Scoping):
        found.append(f"{where}: unknown scoping '{dataset.scoping}'")
    if dataset.ticket_path and field_at(model, dataset.ticket_path) is None:
        found.append(f"{where}: no path '{dataset.ticket_path}' to the service request")
    store = field_at(model, dataset.store_path) if dataset.store_path else None
    if dataset.store_path and not (isinstance(store, ForeignKey) and store.related_model is Store):
        found.append(f"{where}: store path '{dataset.store_path}' does not lead to a store")
    if dataset.scoping == Scoping.STORE and not dataset.store_path:
        found.append(f"{where}: a dataset scoped by store needs its store path")
    if dataset.until_field:
        until = field_at(model, dataset.until_field)
        if not (type(time_field) is DateField and type(until) is DateField):
            found.append(f"{where}: an interval dataset runs from one date field to another")
    for name, path in dataset.dimensions.items():
        if field_at(model, path) is None:
            found.append(f"{where}: dimension '{name}' path '{path}' does not resolve on {dataset.model}")
    return found


def _measure_problems(measure: Measure) -> list[str]:
    where = f"measure '{measure.dataset.code}.{measure.code}'"
    found = []
    if measure.aggregation not in _values(Aggregation):
        found.append(f"{where}: unknown aggregation '{measure.aggregation}'")
    if (measure.aggregation == Aggregation.PERCENTILE) != (measure.percentile is not None):
        found.append(f"{where}: a percentile measure, and only it, gives its percentile")
    elif measure.percentile is not None and not 0 < measure.percentile < 1:
        found.append(f"{where}: percentile {measure.percentile} is not between 0 and 1")
    if measure.aggregation == Aggregation.COUNT_REPEATED and (
        isinstance(measure.field, Expression) or measure.dataset.until_field
    ):
        found.append(f"{where}: a repeated count reads a field (not an expression) of a dataset of events")
    try:
        model = apps.get_model(measure.dataset.model)
    except (LookupError, ValueError):
        return found
    if (
        not isinstance(measure.field, Expression)
        and measure.field != "pk"
        and field_at(model, measure.field) is None
    ):
        found.append(f"{where}: field '{measure.field}' does not resolve on {measure.dataset.model}")
    if measure.censor is not None and not isinstance(field_at(model, measure.censor.window_from), DateField):
        found.append(
            f"{where}: censoring window starts at '{measure.censor.window_from}', not a date or date-time field"
        )
    # The filter compiles against the model (unknown fields and lookups raise here).
    for condition in (measure.filter, measure.censor and measure.censor.known):
        if condition is not None:
            try:
                str(model._default_manager.filter(condition).query)
            except (FieldError, FieldDoesNotExist, ValueError, TypeError) as exc:
                found.append(f"{where}: filter does not apply to {measure.dataset.model}: {exc}")
    return found


def _cycles(catalogue: Catalogue) -> list[str]:
    found = []
    state: dict[str, str] = {}

    def visit(code: str, trail: tuple[str, ...]) -> None:
        if state.get(code) == "done" or catalogue.get(code) is None:
            return
        if state.get(code) == "visiting":
            found.append("expression cycle: " + " → ".join((*trail, code)))
            return
        state[code] = "visiting"
        for name in catalogue.get(code).inputs:
            visit(name, (*trail, code))
        state[code] = "done"

    for kpi in catalogue:
        visit(kpi.code, ())
    return found


def _values(choices) -> set[str]:
    return {member.value for member in choices}
