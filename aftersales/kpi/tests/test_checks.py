"""The start-up check of the KPI registry: the real catalogue passes, each kind of mistake is named."""

from datetime import timedelta

import pytest
from django.core import checks
from django.db.models import Q

from aftersales.kpi.catalogue import CATALOGUE, REQUESTS, received
from aftersales.kpi.checks import problems
from aftersales.kpi.semantic import (
    Aggregation,
    Catalogue,
    Censor,
    Dataset,
    Direction,
    Family,
    Kpi,
    Measure,
    Scoping,
    Unit,
)


def kpi(code: str, **fields) -> Kpi:
    defaults = {
        "name_zh": "测试",
        "name_en": "test",
        "family": Family.SERVICE,
        "reference": "kpi-definitions §2",
        "formula": "count",
        "unit": Unit.COUNT,
        "direction": Direction.HIGHER,
        "measure": received,
    }
    return Kpi(code=code, **{**defaults, **fields})


@pytest.mark.django_db
def test_the_catalogue_passes_the_system_check():
    assert problems(CATALOGUE) == []
    assert [e for e in checks.run_checks(tags=["aftersales"]) if e.id == "aftersales.E101"] == []


def test_every_kind_of_mistake_is_reported():
    broken_dataset = Dataset(
        code="broken",
        model="service.Ticket",
        time_field="subject",
        ticket_path="",
        dimensions={"store": "store__nickname"},
    )
    storeless = Dataset(
        code="storeless",
        model="facts.SalesDeal",
        time_field="date",
        ticket_path="",
        dimensions={},
        scoping=Scoping.STORE,
    )
    wrong_store = Dataset(
        code="wrong_store",
        model="service.Ticket",
        time_field="created_at",
        ticket_path="",
        dimensions={},
        scoping=Scoping.STORE,
        store_path="customer",
    )
    found = problems(
        Catalogue(
            kpis=(
                kpi("twice"),
                kpi("twice"),
                kpi("bad_unit", unit="furlongs", direction="sideways"),
                kpi("no_band", direction=Direction.BAND),
                kpi("loop_a", measure=None, inputs=("loop_b",), expression=lambda v: v["loop_b"]),
                kpi("loop_b", measure=None, inputs=("loop_a",), expression=lambda v: v["loop_a"]),
                kpi("ghost_input", measure=None, inputs=("ghost",), expression=lambda v: 0),
                kpi(
                    "bad_measure",
                    measure=Measure(
                        "bad",
                        broken_dataset,
                        Aggregation.PERCENTILE,
                        field="colour",
                        filter=Q(flavour="sweet"),
                        censor=Censor("subject", timedelta(days=1)),
                    ),
                ),
                kpi("both_shapes", numerator=received),
                kpi("no_source", reference="a blog"),
                kpi("other_requests", measure=Measure("received", REQUESTS, Aggregation.COUNT)),
                kpi("storeless", measure=Measure("deals", storeless, Aggregation.COUNT)),
                kpi("wrong_store", measure=Measure("deals", wrong_store, Aggregation.COUNT)),
            )
        )
    )
    expected = [
        "KPI code 'twice' is used more than once",
        "KPI 'bad_unit': unknown unit 'furlongs'",
        "KPI 'bad_unit': unknown direction 'sideways'",
        "KPI 'no_band': a target band KPI needs its band",
        "KPI 'ghost_input': reads unknown KPI 'ghost'",
        "KPI 'both_shapes': give numerator and denominator, or one measure, or inputs with an expression",
        "KPI 'no_source': needs both names, a formula and its kpi-definitions section",
        "two different measures are called 'received' in 'requests'",
        "dataset 'broken': time field 'subject' is not a date or date-time field of service.Ticket",
        "dataset 'broken': dimension 'store' path 'store__nickname' does not resolve on service.Ticket",
        "measure 'broken.bad': a percentile measure, and only it, gives its percentile",
        "measure 'broken.bad': field 'colour' does not resolve on service.Ticket",
        "measure 'broken.bad': censoring window starts at 'subject', not a date or date-time field",
        "dataset 'storeless': a dataset scoped by store needs its store path",
        "dataset 'wrong_store': store path 'customer' does not lead to a store",
        "expression cycle: loop_a → loop_b → loop_a",
    ]
    for message in expected:
        assert message in found, f"{message!r} not in {found}"
    assert any(m.startswith("measure 'broken.bad': filter does not apply to service.Ticket") for m in found)
    assert len(found) == len(expected) + 1


def test_mistakes_in_growth_rates_intervals_and_repeated_counts_are_reported():
    from django.db.models import F

    timestamps = Dataset(
        code="timestamps",
        model="service.Ticket",
        time_field="created_at",
        until_field="resolved_at",
        ticket_path="",
        dimensions={},
    )
    deals = Dataset(code="deals", model="facts.SalesDeal", time_field="date", ticket_path="", dimensions={})
    found = problems(
        Catalogue(
            kpis=(
                kpi("base"),
                kpi(
                    "growth",
                    measure=None,
                    inputs=("base",),
                    previous=("other",),
                    expression=lambda v: 0,
                ),
                kpi("stock", measure=Measure("open", timestamps, Aggregation.COUNT)),
                kpi(
                    "repeats",
                    measure=Measure("repeats", deals, Aggregation.COUNT_REPEATED, field=F("customer") + 0),
                ),
            )
        )
    )
    assert found == [
        "KPI 'growth': reads 'other' of the period before, but not among its inputs",
        "dataset 'timestamps': an interval dataset runs from one date field to another",
        "measure 'deals.repeats': a repeated count reads a field (not an expression) of a dataset of events",
    ]
