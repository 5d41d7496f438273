"""Drill-down: the records behind a value are exactly the ones its numerator and denominator count
(hand-computed, and equal to the engine's cell), with the same scoping, filters and right-censoring."""

from datetime import date, timedelta

import pytest

from aftersales.core.errors import ApplicationError
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.drill import Part, kpi_drill, parts_of
from aftersales.kpi.engine import kpi_values
from aftersales.kpi.tests.rows import at, request, survey

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
HOUR = timedelta(hours=1)


def numbers(drill) -> set[str]:
    return set(drill.rows.values_list(drill.number_path, flat=True))


@pytest.fixture
def responses(cast, frozen_clock):
    """March in store A: 3 requests answered within 24 h, 1 answered after 30 h, 1 unanswered for days,
    1 unanswered registered 2 hours before "now" (its 24 h are not over), 1 cancelled unanswered; in
    store B 1 answered within 24 h."""
    frozen_clock(at(2026, 3, 31, 12))
    a, b = cast.store_a, cast.store_b
    person_a, person_b = cast.customer_a, cast.customer_b
    quick = [request(a, person_a, at(2026, 3, day, 9), first_response_after=2 * HOUR) for day in (2, 3, 4)]
    late = request(a, person_a, at(2026, 3, 5, 9), first_response_after=30 * HOUR)
    overdue = request(a, person_a, at(2026, 3, 6, 9))
    pending = request(a, person_a, at(2026, 3, 31, 10))
    cancelled = request(a, person_a, at(2026, 3, 7, 9), status="cancelled")
    other = request(b, person_b, at(2026, 3, 2, 9), first_response_after=HOUR)
    return {
        "quick": quick,
        "late": late,
        "overdue": overdue,
        "pending": pending,
        "cancelled": cancelled,
        "other": other,
    }


def test_numerator_and_denominator_records_of_a_store_are_the_ones_its_value_counts(executive, responses):
    # when
    args = {
        "code": "response_24h_rate",
        "start": MARCH,
        "end": APRIL,
        "breakdown": "store",
        "key": "store-a",
        "user": executive,
    }
    met = kpi_drill(part="numerator", **args)
    judged = kpi_drill(part="denominator", **args)
    # then the numerator is the 3 quick answers; the denominator adds the late one and the overdue one
    # (the pending and the cancelled unanswered requests are left out): 3 / 5
    assert numbers(met) == {t.number for t in responses["quick"]}
    assert numbers(judged) == {
        t.number for t in [*responses["quick"], responses["late"], responses["overdue"]]
    }
    cell = kpi_values(
        codes=["response_24h_rate"], start=MARCH, end=APRIL, breakdown="store", user=executive
    ).cell("response_24h_rate", MARCH, "store-a")
    assert (cell.numerator, cell.denominator) == (met.rows.count(), judged.rows.count()) == (3, 5)


def test_without_a_key_the_records_of_every_store_the_person_may_see(executive, manager_a, responses):
    everything = kpi_drill(code="response_24h_rate", part="numerator", start=MARCH, end=APRIL, user=executive)
    assert numbers(everything) == {t.number for t in [*responses["quick"], responses["other"]]}
    # store A's manager: store B's request is not theirs, even without a key and asking for store B
    mine = kpi_drill(code="response_24h_rate", part="numerator", start=MARCH, end=APRIL, user=manager_a)
    assert numbers(mine) == {t.number for t in responses["quick"]}
    foreign = kpi_drill(
        code="response_24h_rate",
        part="numerator",
        start=MARCH,
        end=APRIL,
        user=manager_a,
        breakdown="store",
        key="store-b",
    )
    assert not foreign.rows.exists()


def test_the_columns_are_the_fields_the_measure_reads(executive, responses):
    drill = kpi_drill(code="response_24h_rate", part="numerator", start=MARCH, end=APRIL, user=executive)
    # the attribution time, the filter's first_response_minutes, the censoring's created_at and
    # first_response_at (known once answered)
    assert [column.path for column in drill.columns] == [
        "created_at",
        "first_response_minutes",
        "first_response_at",
    ]
    assert drill.number_path == "number"


def test_right_censoring_and_the_exists_filter_match_the_engine(cast, executive, frozen_clock):
    # given, "now" 25 April: 3 requests resolved on 2 March (one reopened, one repair of asset A that came
    # back for the same fault 10 days later), and one resolved on 31 March (its 30 days are not over)
    frozen_clock(at(2026, 4, 25, 12))
    store, person, asset, engine = cast.store_a, cast.customer_a, cast.asset_a, cast.engine
    right = request(store, person, at(2026, 3, 1, 10), resolved_after=24 * HOUR)
    reopened = request(store, person, at(2026, 3, 1, 10), resolved_after=24 * HOUR, reopen_count=1)
    returned = request(
        store,
        person,
        at(2026, 3, 1, 10),
        resolved_after=24 * HOUR,
        asset=asset,
        fault_category=engine,
        kind="repair",
    )
    request(store, person, at(2026, 3, 12, 10), asset=asset, fault_category=engine)
    request(store, person, at(2026, 3, 31, 9), resolved_after=HOUR)
    args = {"code": "first_time_right_30d", "start": MARCH, "end": APRIL, "user": executive}
    # then first-time-right: 1 of the 3 settled resolutions
    assert numbers(kpi_drill(part="numerator", **args)) == {right.number}
    assert numbers(kpi_drill(part="denominator", **args)) == {right.number, reopened.number, returned.number}
    # and the repeat repair: 1 of 1 repairs of an asset
    repeat = {"code": "repeat_repair_30d", "start": MARCH, "end": APRIL, "user": executive}
    assert numbers(kpi_drill(part="numerator", **repeat)) == {returned.number}
    assert numbers(kpi_drill(part="denominator", **repeat)) == {returned.number}


def test_survey_answers_drill_to_the_answers_and_their_requests(cast, executive):
    # given 3 CSAT answers in March: 5, 4 and 2
    tickets = [request(cast.store_a, cast.customer_a, at(2026, 3, 1, 9)) for _ in range(3)]
    for ticket, score in zip(tickets, (5, 4, 2), strict=True):
        survey(ticket, at(2026, 3, 10, 9), csat=score)
    args = {"code": "csat_t2b", "start": MARCH, "end": APRIL, "user": executive}
    top2 = kpi_drill(part="numerator", **args)
    answers = kpi_drill(part="denominator", **args)
    # then 2 of 3, and the page reads the request number through the survey
    assert sorted(top2.rows.values_list("number", flat=True)) == [4, 5]
    assert answers.rows.count() == 3
    assert numbers(answers) == {t.number for t in tickets}
    assert top2.number_path == "response__invitation__ticket__number"
    assert [c.path for c in top2.columns] == ["response__created_at", "item__kind", "number"]


def test_a_specialist_drills_into_their_own_requests_only(cast, specialist_a, frozen_clock):
    frozen_clock(at(2026, 3, 31, 12))
    mine = request(
        cast.store_a, cast.customer_a, at(2026, 3, 2, 9), first_response_after=HOUR, assignee=specialist_a
    )
    request(
        cast.store_a,
        cast.customer_a,
        at(2026, 3, 2, 9),
        first_response_after=HOUR,
        assignee=cast.technician_a,
    )
    unassigned = request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9), first_response_after=HOUR)
    args = {
        "code": "response_24h_rate",
        "part": "numerator",
        "start": MARCH,
        "end": APRIL,
        "user": specialist_a,
    }
    assert numbers(kpi_drill(own_only=True, **args)) == {mine.number}
    # the key "" of the specialist breakdown is the requests nobody is assigned to
    assert numbers(kpi_drill(breakdown="specialist", key="", **args)) == {unassigned.number}


def test_single_and_expression_kpis_drill_into_the_records_they_read(cast, executive):
    resolved = [
        request(cast.store_a, cast.customer_a, at(2026, 3, 1, 8), resolved_after=h * HOUR) for h in (4, 8)
    ]
    request(cast.store_a, cast.customer_a, at(2026, 3, 1, 8))  # not resolved: not in MTTR
    drill = kpi_drill(code="mttr_h", part="records", start=MARCH, end=APRIL, user=executive)
    assert numbers(drill) == {t.number for t in resolved}
    assert list(parts_of(CATALOGUE.by_code["customer_retention_6m"])) == [Part.NUMERATOR, Part.DENOMINATOR]
    assert list(parts_of(CATALOGUE.by_code["csat_index"])) == [Part.RECORDS]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"code": "nope", "part": "numerator"}, "kpi"),
        ({"code": "mttr_h", "part": "numerator"}, "part"),
        ({"code": "csat_t2b", "part": "sideways"}, "part"),
        ({"code": "csat_t2b", "part": "numerator", "breakdown": "colour"}, "breakdown"),
        ({"code": "csat_t2b", "part": "numerator", "start": APRIL, "end": MARCH}, "end"),
    ],
)
def test_bad_input_names_the_parameter(executive, args, field):
    with pytest.raises(ApplicationError) as error:
        kpi_drill(**{"start": MARCH, "end": APRIL, "user": executive, **args})
    assert error.value.field == field


def test_a_store_keeps_the_records_of_that_store(executive, responses):
    drill = kpi_drill(
        code="response_24h_rate", part="numerator", start=MARCH, end=APRIL, user=executive, store="store-b"
    )
    assert numbers(drill) == {responses["other"].number}
