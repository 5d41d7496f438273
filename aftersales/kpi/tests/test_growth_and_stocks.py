"""KPIs that read more than one period's rows: growth rates (the period before, `Kpi.previous`) and
stocks of an interval dataset (certificates in force on a period's last day), against hand-computed
values. Fact rows are built directly with the ORM."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aftersales.core.errors import ApplicationError
from aftersales.facts.models import Certification, FinanceStatement, ImportBatch, SalesDeal
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.drill import Part, kpi_drill, parts_of, previous_range
from aftersales.kpi.engine import kpi_values
from aftersales.kpi.semantic import Grain

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATER = datetime(2026, 6, 15, 12, tzinfo=SHANGHAI)  # every period below is over


@pytest.fixture
def batch(db):
    return ImportBatch.objects.create(dataset="test", source=ImportBatch.Source.SEED, status="applied")


def deal(batch, number, store, day, price):
    return SalesDeal.objects.create(
        import_batch=batch,
        deal_number=number,
        date=day,
        store=store,
        vehicle_model="EV S1",
        vehicle_kind="new",
        price=Decimal(price),
        cost=Decimal(0),
    )


def values(user, code, start, end, grain="month", breakdown=None, now=LATER):
    result = kpi_values(
        codes=[code], start=start, end=end, grain=grain, breakdown=breakdown, user=user, now=now
    )
    keys = [*result.keys, None]
    return {(period, key): result.cell(code, period, key).value for period in result.periods for key in keys}


# --- growth: the period before ----------------------------------------------------------------------------


@pytest.fixture
def deals(cast, batch):
    a, b = cast.store_a, cast.store_b
    deal(batch, "D0", b, date(2025, 12, 20), 300_000)
    deal(batch, "D1", a, date(2026, 2, 10), 200_000)
    deal(batch, "D2", a, date(2026, 3, 1), 100_000)
    deal(batch, "D3", a, date(2026, 3, 31), 200_000)
    deal(batch, "D4", b, date(2026, 3, 15), 100_000)


FEB, MAR, APR, MAY = date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)


def test_sales_growth_month_on_month_per_store_and_for_all(deals, executive):
    growth = values(executive, "sales_growth", FEB, MAY, breakdown="store")
    assert growth == pytest.approx(
        {
            # February against January: no sales in January, no value (never +∞ or 0)
            (FEB, "store-a"): None,
            (FEB, "store-b"): None,
            (FEB, None): None,
            # March against February: a 300 vs 200 thousand, b 100 vs nothing, all 400 vs 200
            (MAR, "store-a"): 0.5,
            (MAR, "store-b"): None,
            (MAR, None): 1.0,
            # April sold nothing: −100 % wherever March sold
            (APR, "store-a"): -1.0,
            (APR, "store-b"): -1.0,
            (APR, None): -1.0,
        }
    )


def test_the_period_before_the_range_is_read_in_the_same_query_and_not_shown(deals, executive):
    with CaptureQueriesContext(connection) as queries:
        result = kpi_values(
            codes=["sales_growth", "sales_revenue"], start=MAR, end=APR, grain="month", user=executive
        )
    assert result.periods == [MAR]
    assert {period for (_code, period, _key) in result.cells} == {MAR}
    assert result.cell("sales_growth", MAR).value == pytest.approx(1.0)
    assert result.cell("sales_revenue", MAR).value == 400_000  # February is not added to March
    assert sum("facts_salesdeal" in query["sql"] for query in queries.captured_queries) == 1


def test_a_range_starting_inside_a_period_compares_with_the_whole_period_before(
    deals, batch, cast, executive
):
    deal(batch, "D5", cast.store_a, date(2026, 3, 5), 50_000)
    # From 10 March: D2 (1 March) and D5 (5 March) are before the range; the period before is all of
    # February (200 thousand) although only 22 days of March are in the range: (300 − 200) / 200
    cells = values(executive, "sales_growth", date(2026, 3, 10), APR)
    assert cells == pytest.approx({(MAR, None): 0.5})
    assert values(executive, "sales_revenue", date(2026, 3, 10), APR) == {(MAR, None): 300_000}


def test_sales_growth_quarter_on_quarter_and_year_on_year(deals, executive):
    # Q1 2026: 200 + 100 + 200 + 100 thousand = 600 against Q4 2025's 300
    assert values(executive, "sales_growth", date(2026, 1, 1), APR, grain="quarter") == pytest.approx(
        {(date(2026, 1, 1), None): 1.0}
    )
    assert values(
        executive, "sales_growth", date(2026, 1, 1), date(2027, 1, 1), grain="year"
    ) == pytest.approx({(date(2026, 1, 1), None): 1.0})


def test_sales_growth_day_and_week_grains(deals, executive):
    # 31 March (D3, 200 thousand) against 30 March (nothing); 1 March (D2) against 28 February (nothing)
    days = values(executive, "sales_growth", date(2026, 3, 31), APR, grain="day")
    assert days == {(date(2026, 3, 31), None): None}
    weeks = values(executive, "sales_growth", date(2026, 3, 2), date(2026, 3, 16), grain="week")
    # ISO weeks: the week of Monday 2 March sold nothing, against the week of 23 February (D2 on Sunday
    # 1 March, 100 thousand): −100 %; the week of 9 March sold nothing against nothing: no value
    assert weeks == pytest.approx({(date(2026, 3, 2), None): -1.0, (date(2026, 3, 9), None): None})


def test_a_store_manager_gets_the_growth_of_their_own_stores(deals, manager_a):
    assert values(manager_a, "sales_growth", MAR, APR) == pytest.approx({(MAR, None): 0.5})


def test_no_sales_at_all_no_growth(cast, executive):
    assert values(executive, "sales_growth", FEB, MAR) == {(FEB, None): None}


def test_company_revenue_growth_from_the_company_statements(cast, batch, executive, manager_a):
    for month, revenue in ((FEB, "1000000.00"), (MAR, "1100000.00"), (APR, "0.00")):
        FinanceStatement.objects.create(
            import_batch=batch, month=month, revenue=Decimal(revenue), cogs=0, operating_profit=0,
            net_income=0, operating_cash_flow=0,
        )  # fmt: skip
    growth = values(executive, "company_revenue_growth", MAR, date(2026, 6, 1))
    # March 1.1 M vs 1.0 M: +10 %; April 0 vs 1.1 M: −100 %; May nothing vs 0: no value (prior is 0)
    assert growth == pytest.approx({(MAR, None): 0.1, (APR, None): -1.0, (date(2026, 5, 1), None): None})
    assert set(values(manager_a, "company_revenue_growth", MAR, APR).values()) == {None}


def test_growth_through_the_api(deals, client, executive):
    client.force_login(executive)
    response = client.get(
        "/api/v1/kpi/values",
        {"codes": "sales_growth", "start": "2026-03-01", "end": "2026-04-01", "grain": "month"},
    )
    assert response.status_code == 200, response.content
    assert "sales_growth" in response.content.decode()


# --- stocks: certificates in force on the period's last day ------------------------------------------------


def certificate(batch, code, kind, valid_from, valid_until=None):
    return Certification.objects.create(
        import_batch=batch, code=code, name=code, kind=kind, valid_from=valid_from, valid_until=valid_until
    )


@pytest.fixture
def certificates(batch):
    certificate(batch, "ISO9001", "certification", date(2025, 6, 1), date(2026, 3, 15))
    certificate(batch, "OLD", "certification", date(2024, 3, 1), date(2026, 2, 28))  # last day 28 Feb
    certificate(batch, "GBT27922", "certification", date(2026, 3, 31))  # from 31 March, no expiry
    certificate(batch, "ONE-DAY", "certification", date(2026, 4, 30), date(2026, 4, 30))
    certificate(batch, "AWARD-A", "award", date(2026, 3, 10), date(2026, 12, 31))
    certificate(batch, "AWARD-B", "award", date(2025, 12, 1))


def test_certifications_valid_on_each_periods_last_day(certificates, executive):
    assert values(executive, "certifications_valid", FEB, date(2026, 6, 1)) == {
        (FEB, None): 2,  # 28 Feb: ISO9001 and OLD (its last day); awards are not certifications
        (MAR, None): 1,  # 31 Mar: ISO9001 lapsed on the 15th, GBT27922 from that day
        (APR, None): 2,  # 30 Apr: GBT27922 and ONE-DAY
        (MAY, None): 1,
    }
    assert values(executive, "awards_received", FEB, MAY) == {(FEB, None): 0, (MAR, None): 1, (APR, None): 0}
    assert values(executive, "certifications_and_awards", FEB, MAY) == {
        (FEB, None): 2,
        (MAR, None): 2,
        (APR, None): 2,
    }


def test_the_running_period_counts_what_is_in_force_today(certificates, executive):
    ten_march = datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)
    # on 10 March ISO9001 is still in force (until the 15th): counted, though lapsed by the month's end
    assert values(executive, "certifications_valid", MAR, APR, now=ten_march) == {(MAR, None): 1}
    assert values(executive, "certifications_valid", date(2026, 3, 16), date(2026, 3, 17), grain="day") == {
        (date(2026, 3, 16), None): 0
    }


def test_certifications_by_quarter_and_by_kind_in_one_query(certificates, executive):
    assert values(executive, "certifications_valid", date(2026, 1, 1), date(2026, 7, 1), grain="quarter") == {
        (date(2026, 1, 1), None): 1,  # 31 March
        (date(2026, 4, 1), None): 1,  # 30 June: GBT27922
    }
    with CaptureQueriesContext(connection) as queries:
        by_kind = values(executive, "certifications_valid", MAR, MAY, breakdown="kind")
    assert by_kind == {
        (MAR, "award"): 0,
        (MAR, "certification"): 1,
        (MAR, None): 1,
        (APR, "award"): 0,
        (APR, "certification"): 2,
        (APR, None): 2,
    }
    assert sum("facts_certification" in query["sql"] for query in queries.captured_queries) == 1


def test_certificates_are_company_wide(certificates, manager_a):
    assert values(manager_a, "certifications_and_awards", MAR, APR) == {(MAR, None): None}


def test_no_certificates_none_valid(executive):
    assert values(executive, "certifications_valid", MAR, APR) == {(MAR, None): 0}


def test_growth_in_the_snapshots_across_chunk_boundaries(deals, frozen_clock, monkeypatch):
    from aftersales.kpi import services
    from aftersales.kpi.models import KpiSnapshot

    frozen_clock(datetime(2026, 4, 15, 12, tzinfo=SHANGHAI))
    # one period per chunk: every chunk's growth needs the period of the chunk before
    monkeypatch.setattr(services, "PERIODS_PER_CHUNK", 1)
    services.kpi_snapshots_refresh(since=FEB)
    stored = {
        (row.period_start, row.key): row.value
        for row in KpiSnapshot.objects.filter(kpi="sales_growth", grain="month")
    }
    assert stored == pytest.approx(
        {
            (FEB, ""): None,
            (FEB, "store-a"): None,
            (MAR, ""): 1.0,
            (MAR, "store-a"): 0.5,
            (MAR, "store-b"): None,
            (APR, ""): -1.0,
            (APR, "store-a"): -1.0,
            (APR, "store-b"): -1.0,
        }
    )


# --- growth: drilling into the period before ------------------------------------------------------------


def drilled(user, part, start, end, **more) -> list[str]:
    drill = kpi_drill(code="sales_growth", part=part, start=start, end=end, user=user, now=LATER, **more)
    return list(drill.rows.values_list("deal_number", flat=True))


def test_a_growth_rate_drills_into_its_period_and_the_period_before(deals, executive):
    assert list(parts_of(CATALOGUE.by_code["sales_growth"])) == [Part.RECORDS, Part.PREVIOUS]
    # March's deals, and February's (the period before) for March's growth
    assert drilled(executive, "records", MAR, APR) == ["D2", "D4", "D3"]
    assert drilled(executive, "previous", MAR, APR) == ["D1"]
    # per store: store A's February deal; store B sold nothing in February
    assert drilled(executive, "previous", MAR, APR, store="store-a") == ["D1"]
    assert drilled(executive, "previous", MAR, APR, breakdown="store", key="store-b") == []
    # the first quarter against the last quarter of 2025; a range inside March against all February
    assert drilled(executive, "previous", date(2026, 1, 1), APR) == ["D0"]
    assert drilled(executive, "previous", date(2026, 3, 10), APR) == ["D1"]
    # at the year grain, 2026 so far against 2025
    assert drilled(executive, "previous", date(2026, 1, 1), APR, grain=Grain.YEAR) == ["D0"]


def test_the_period_before_is_one_whole_period_before():
    monday = date(2026, 3, 2)
    assert previous_range(monday, date(2026, 3, 3)) == (date(2026, 3, 1), monday)  # a day
    assert previous_range(monday, date(2026, 3, 9)) == (date(2026, 2, 23), monday)  # a week
    assert previous_range(MAR, APR) == (FEB, MAR)
    assert previous_range(date(2026, 4, 1), date(2026, 7, 1)) == (date(2026, 1, 1), date(2026, 4, 1))
    assert previous_range(FEB, MAY) == (date(2025, 1, 1), date(2026, 1, 1))  # in no quarter: the year
    assert previous_range(MAR, APR, Grain.QUARTER) == (date(2025, 10, 1), date(2026, 1, 1))
    with pytest.raises(ApplicationError) as spans:
        previous_range(date(2025, 12, 1), FEB)
    assert spans.value.field == "end"


def test_a_kpi_that_reads_no_period_before_has_no_previous_part(deals, executive):
    with pytest.raises(ApplicationError) as refused:
        kpi_drill(code="sales_revenue", part="previous", start=MAR, end=APR, user=executive)
    assert refused.value.field == "part"


def test_the_drill_page_links_and_lists_the_period_before(deals, executive):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(executive)
    query = {"start": "2026-03-01", "end": "2026-04-01"}
    with translation.override("en"):
        current = client.get(reverse("reports:drill", args=["sales_growth", "records"]), query)
        before = client.get(reverse("reports:drill", args=["sales_growth", "previous"]), query)
        export = client.get(
            reverse("reports:drill", args=["sales_growth", "previous"]), {**query, "export": "csv"}
        )
        bad = client.get(
            reverse("reports:drill", args=["sales_growth", "previous"]), {**query, "grain": "fortnight"}
        )
    previous_url = reverse("reports:drill", args=["sales_growth", "previous"])
    assert f'<a href="{previous_url}?start=2026-03-01&amp;end=2026-04-01">period before</a>' in current.text
    assert [row[0] for row in before.context["page"].object_list] == ["D1"]
    assert "from 2026-02-01 to 2026-03-01" in before.text
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["D1"]
    assert bad.status_code == 400
