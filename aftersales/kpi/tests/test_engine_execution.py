"""How the engine runs its queries (ADR 0012), against hand-computed values: the "all keys" row merged
from the keys' rows, percentiles from gathered values, distinct counts from the union of the keys'
distinct values, keys grouped by foreign key and labelled after grouping, and a non-unique label still
grouped by itself. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.kpi.business import SALES_DEALS
from aftersales.kpi.engine import _distinct_values, _gathered, _query, kpi_values, percentile_of_sorted
from aftersales.kpi.semantic import Aggregation, Grain, Measure
from aftersales.kpi.tests.rows import at, customer, deal, fact_batch, request

pytestmark = pytest.mark.django_db

FEBRUARY, MARCH, APRIL, MAY = (date(2026, month, 1) for month in range(2, 6))


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


# --- distinct counts: the keys' distinct values, united for all keys -------------------------------------

CHURN = ("customer_churn_6m", "customer_retention_6m")


@pytest.fixture
def cohort(cast, frozen_clock):
    # "now" is past the six months of March and April: the cohorts are known
    frozen_clock(at(2026, 11, 1, 12))
    a, b = cast.store_a, cast.store_b
    x, y, z, w = (customer(a, name) for name in ("客户X", "客户Y", "客户Z", "客户W"))
    # X in both stores, back in B after A (lost from B only); Y back in April (lost in April); Z never
    # back; W twice in B
    request(a, x, at(2026, 3, 5, 9))
    request(b, x, at(2026, 3, 20, 9))
    request(a, y, at(2026, 3, 10, 9))
    request(a, y, at(2026, 4, 10, 9))
    request(a, z, at(2026, 3, 12, 9))
    request(b, w, at(2026, 3, 15, 9))
    request(b, w, at(2026, 3, 25, 9))
    return cast


def churn_of(values, key=None, period=MARCH):
    cell = values.cell("customer_churn_6m", period, key)
    return cell.numerator, cell.denominator, cell.value


def test_a_customer_seen_in_two_stores_is_one_customer_of_the_all_keys_row(cohort, executive):
    with CaptureQueriesContext(connection) as queries:
        values = march(executive, *CHURN, breakdown="store")
    # one grouped query: the all-keys row is merged from the keys' customers, not grouped again
    grouped = [query for query in queries.captured_queries if "GROUP BY" in query["sql"]]
    assert len(grouped) == 1
    assert "UNION" not in grouped[0]["sql"]
    # A served X, Y and Z and lost Z (X came back, in B): 1 / 3; B served X and W (twice), lost both
    assert churn_of(values, "store-a") == (1, 3, pytest.approx(1 / 3))
    assert churn_of(values, "store-b") == (2, 2, 1.0)
    # all: X, Y, Z and W served, X once (the keys' counts added would give 5), Z, X and W lost: 3 / 4
    assert churn_of(values) == (3, 4, 0.75)
    assert values.cell("customer_retention_6m", MARCH).value == 0.25


def test_merged_distinct_counts_equal_the_engine_without_a_breakdown(cohort, executive):
    # February empty, March the cohort above, April Y alone; with a percentile in the same merged query
    codes = [*CHURN, "requests_received", "first_response_median_h"]
    by_store, overall = (
        kpi_values(codes=codes, start=FEBRUARY, end=MAY, breakdown=breakdown, user=executive)
        for breakdown in ("store", None)
    )
    for period in (FEBRUARY, MARCH, APRIL):
        for code in codes:
            assert by_store.cell(code, period) == overall.cell(code, period), (code, period)
    assert churn_of(overall, period=FEBRUARY) == (0, 0, None)
    assert churn_of(overall, period=APRIL) == (1, 1, 1.0)


def test_a_key_whose_rows_all_fall_outside_a_distinct_count_counts_none(cast, executive, frozen_clock):
    # given store B's only March request cancelled: a group of its own, with no customer served
    frozen_clock(at(2026, 11, 1, 12))
    request(cast.store_a, cast.customer_a, at(2026, 3, 5, 9))
    request(cast.store_b, cast.customer_b, at(2026, 3, 6, 9), status="cancelled")
    # when
    values = march(executive, "customer_churn_6m", "requests_received", breakdown="store")
    # then B received one request, served no customer: no churn rate, not 0 %
    assert values.cell("requests_received", MARCH, "store-b").value == 1
    assert churn_of(values, "store-b") == (0, 0, None)
    assert churn_of(values, "store-a") == (1, 1, 1.0)
    assert churn_of(values) == (1, 1, 1.0)


@pytest.mark.parametrize("viewer", ["anonymous", "other customer"])
def test_a_viewer_who_sees_none_of_the_customers_gets_no_churn(cohort, viewer):
    user = AnonymousUser() if viewer == "anonymous" else cohort.customer_b.user
    values = march(user, *CHURN, breakdown="store")
    assert values.keys == []
    assert churn_of(values) == (0, 0, None)
    assert values.cell("customer_retention_6m", MARCH).value is None


def test_a_store_manager_counts_the_customers_of_their_own_stores(cohort, manager_a):
    # X's request in B is not theirs, but it still brought X back: A's figures, all keys as A's
    values = march(manager_a, *CHURN, breakdown="store")
    assert values.keys == ["store-a"]
    assert churn_of(values) == churn_of(values, "store-a") == (1, 3, pytest.approx(1 / 3))


def test_a_distinct_count_leaves_out_empty_values_as_count_distinct_does(cast):
    # given deals with and without a customer in March (c1 at A, c2 at A and B), and in April one
    # deal at B without a customer only
    batch, a, b = fact_batch(), cast.store_a, cast.store_b
    c1, c2 = cast.customer_a, cast.customer_b
    for number, store, day, who in (
        ("D1", a, date(2026, 3, 9), c1),
        ("D2", a, date(2026, 3, 9), c2),
        ("D3", a, date(2026, 3, 9), None),
        ("D4", b, date(2026, 3, 9), c2),
        ("D5", b, date(2026, 3, 9), None),
        ("D6", b, date(2026, 4, 2), None),
    ):
        sold = deal(batch, number, store, day, price=1, cost=1)
        sold.customer = who
        sold.save(update_fields=["customer"])
    # a distinct count of every deal's customer (no filter: the NULLs reach the aggregate)
    measure = Measure("any_customer", SALES_DEALS, Aggregation.COUNT_DISTINCT, field="customer")
    query = {
        "start": MARCH, "end": MAY, "grain": Grain.MONTH, "user": None, "stores": None,
        "now": at(2026, 11, 1, 12),
    }  # fmt: skip
    by_store = _query(SALES_DEALS, [measure], breakdown="store", **query)
    overall = _query(SALES_DEALS, [measure], breakdown=None, **query)
    counted = {place: values["any_customer"].value for place, values in by_store.items()}
    # March: A c1, c2; B c2; all c1, c2. April: B's group has no customer. No NULL counted anywhere.
    assert counted == {
        (MARCH, "store-a"): 2,
        (MARCH, "store-b"): 1,
        (MARCH, None): 2,
        (APRIL, "store-b"): 0,
        (APRIL, None): 0,
    }
    assert {place: values["any_customer"].value for place, values in overall.items()} == {
        (MARCH, None): 2,
        (APRIL, None): 0,
    }


def test_distinct_values_read_from_either_backend():
    # SQLite's json_group_array text gives integers back as integers, dates as their ISO text
    assert _distinct_values("[3,1,2]") == {1, 2, 3}
    assert _distinct_values('["2026-03-15","2026-03-31"]') == {"2026-03-15", "2026-03-31"}
    assert _distinct_values("[]") == set()
    assert _distinct_values([3, 1]) == {1, 3}
    assert _distinct_values([date(2026, 3, 15)]) == {date(2026, 3, 15)}
    assert _distinct_values(None) == set()
