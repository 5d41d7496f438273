"""How the engine runs its queries (ADR 0012), against hand-computed values: the "all keys" row merged
from the keys' rows, percentiles from gathered values, keys grouped by foreign key and labelled after
grouping, and a non-unique label still grouped by itself. Runs on SQLite and, with DATABASE_URL, on
PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.kpi.engine import _gathered, kpi_values, percentile_of_sorted
from aftersales.kpi.tests.rows import at, request

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def march(user, *codes, breakdown=None):
    return kpi_values(
        codes=list(codes), start=MARCH, end=APRIL, grain="month", breakdown=breakdown, user=user
    )


def responded(cast, store, minutes: int, **fields):
    return request(
        store, cast.customer_a, at(2026, 3, 2, 9), first_response_after=timedelta(minutes=minutes), **fields
    )


@pytest.fixture
def responses(cast):
    # store A: first responses after 10, 20 and 90 minutes; store B: 30 and 40; one unanswered in B
    for minutes in (10, 20, 90):
        responded(cast, cast.store_a, minutes)
    for minutes in (30, 40):
        responded(cast, cast.store_b, minutes)
    request(cast.store_b, cast.customer_a, at(2026, 3, 2, 9))
    return cast


def test_the_all_keys_row_is_merged_from_the_keys_in_one_query(responses, executive):
    codes = ("requests_received", "first_response_median_h", "first_response_p90_h", "first_response_mean_h")
    with CaptureQueriesContext(connection) as queries:
        values = march(executive, *codes, breakdown="store")
    # one grouped query for the requests dataset (on PostgreSQL inside the analytic transaction)
    grouped = [query for query in queries.captured_queries if "GROUP BY" in query["sql"]]
    assert len(grouped) == 1
    assert "UNION" not in grouped[0]["sql"]
    # the keys: A 3 requests, median 20 min, p90 at 0.9 × 2 = 1.8 → 20 + 0.8 × 70 = 76 min
    assert values.cell("requests_received", MARCH, "store-a").value == 3
    assert values.cell("first_response_median_h", MARCH, "store-a").value == pytest.approx(20 / 60)
    assert values.cell("first_response_p90_h", MARCH, "store-a").value == pytest.approx(76 / 60)
    # B: 2 answered of 3: median (30 + 40) / 2 = 35 min, n = 2 (the unanswered one has no value)
    median_b = values.cell("first_response_median_h", MARCH, "store-b")
    assert (median_b.value, median_b.n) == (pytest.approx(35 / 60), 2)
    # all: 6 requests; the percentile over the union 10, 20, 30, 40, 90 — not a mean of the keys' medians
    assert values.cell("requests_received", MARCH).value == 6
    median = values.cell("first_response_median_h", MARCH)
    assert (median.value, median.n) == (pytest.approx(30 / 60), 5)
    # p90 at 0.9 × 4 = 3.6: 40 + 0.6 × 50 = 70 min
    assert values.cell("first_response_p90_h", MARCH).value == pytest.approx(70 / 60)
    mean = values.cell("first_response_mean_h", MARCH)
    assert (mean.numerator, mean.denominator) == (190, 5)


def test_merged_all_keys_row_equals_the_engine_without_a_breakdown(responses, executive):
    codes = ["requests_received", "response_24h_rate", "first_response_p90_h", "first_response_mean_h"]
    by_store, overall = march(executive, *codes, breakdown="store"), march(executive, *codes)
    for code in codes:
        assert by_store.cell(code, MARCH) == overall.cell(code, MARCH), code


def test_a_label_that_is_not_unique_is_grouped_by_itself(cast, executive):
    # given both stores in the same region: grouping by store_id and labelling after would give the
    # region twice, one row per store
    type(cast.store_a).objects.filter(pk__in=[cast.store_a.pk, cast.store_b.pk]).update(region="华东")
    responded(cast, cast.store_a, 10)
    responded(cast, cast.store_b, 50)
    # when
    values = march(executive, "requests_received", "first_response_median_h", breakdown="region")
    # then one key, with both stores' requests
    assert values.keys == ["华东"]
    assert values.cell("requests_received", MARCH, "华东").value == 2
    assert values.cell("first_response_median_h", MARCH, "华东").value == pytest.approx(30 / 60)


def test_composite_keys_are_labelled_part_by_part(cast, executive):
    # given requests of specialist A in store A, one unassigned in store B
    responded(cast, cast.store_a, 10, assignee=cast.specialist_a)
    responded(cast, cast.store_a, 30, assignee=cast.specialist_a)
    responded(cast, cast.store_b, 20)
    # when
    values = march(executive, "requests_received", "first_response_median_h", breakdown="store/specialist")
    # then the key is "<store code>/<username>", and "" for nobody
    specialist = cast.specialist_a.username
    assert values.keys == [f"store-a/{specialist}", "store-b/"]
    assert values.cell("requests_received", MARCH, f"store-a/{specialist}").value == 2
    assert values.cell("first_response_median_h", MARCH, f"store-a/{specialist}").value == pytest.approx(
        20 / 60
    )
    assert values.cell("requests_received", MARCH, "store-b/").value == 1
    assert values.cell("requests_received", MARCH).value == 3


@pytest.mark.parametrize("viewer", ["anonymous", "other customer"])
def test_a_viewer_who_sees_none_of_the_rows_gets_no_keys(responses, cast, viewer):
    # an anonymous user's rows are known to be none before any query (Django raises EmptyResultSet
    # while compiling); another customer's are none once asked
    user = AnonymousUser() if viewer == "anonymous" else cast.customer_b.user
    values = march(user, "requests_received", "first_response_median_h", breakdown="store")
    assert values.keys == []
    assert values.cell("requests_received", MARCH).value == 0
    assert values.cell("first_response_median_h", MARCH).value is None


def test_gathered_values_read_from_either_backend():
    # SQLite's group_concat text with 17 significant digits gives the floats back exactly
    assert _gathered("600,60,0.10000000000000001,120") == [0.1, 60.0, 120.0, 600.0]
    assert _gathered([3.0, 1.0, 2.0]) == [1.0, 2.0, 3.0]
    assert _gathered(None) == []
    assert percentile_of_sorted([], 0.5) is None
    assert percentile_of_sorted([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
