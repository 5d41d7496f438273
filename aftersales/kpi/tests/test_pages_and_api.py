"""The catalogue and values pages, the API and the `kpi values` command: reachable by staff, scoped like
every read, and bad parameters answered with a 400 that names the parameter."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from aftersales.accounts.models import Role
from aftersales.api.testing import api_client, get
from aftersales.core import testing
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.models import KpiTarget
from aftersales.kpi.tests.rows import at, request, survey

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01", "end": "2026-04-01", "grain": "month"}


@pytest.fixture
def march(cast, frozen_clock):
    """Store A: 2 requests, one answered with CSAT 5; store B: 1 request answered with CSAT 1."""
    frozen_clock(at(2026, 4, 15, 12))
    first = request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9), first_response_after=timedelta(hours=2))
    request(cast.store_a, cast.customer_a, at(2026, 3, 3, 9), first_response_after=timedelta(hours=30))
    survey(first, at(2026, 3, 4, 9), csat=5)
    survey(request(cast.store_b, cast.customer_b, at(2026, 3, 2, 9)), at(2026, 3, 4, 9), csat=1)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_catalogue_page_lists_every_kpi_with_its_definition(specialist_a):
    response = signed_in(specialist_a).get("/kpi/catalogue/")
    assert response.status_code == 200
    text = response.content.decode()
    for kpi in CATALOGUE:
        assert f'id="kpi-{kpi.code}"' in text
        assert kpi.name_zh in text
        assert kpi.reference in text
    assert "95.0 %" in text  # the CSAT default target


def test_the_catalogue_lists_the_targets_admins_set_under_each_kpi(specialist_a, cast):
    # given targets for 24-hour response: every store's for the first half of 2026, store A's own from
    # March, open-ended; and store B's own for the MTTR, which specialist A (store A) does not see
    KpiTarget.objects.create(
        kpi_code="response_24h_rate",
        store=None,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 6, 30),
        target=0.9,
        warning=0.8,
        note="=总部目标",
    )
    KpiTarget.objects.create(
        kpi_code="response_24h_rate", store=cast.store_a, valid_from=date(2026, 3, 1), target=0.5
    )
    KpiTarget.objects.create(kpi_code="mttr_h", store=cast.store_b, valid_from=date(2026, 1, 1), target=24)
    # when
    with translation.override("en"):
        response = signed_in(specialist_a).get("/kpi/catalogue/", HTTP_ACCEPT_LANGUAGE="en")
    # then under the KPI, every store's row first, then store A's; nothing under the MTTR
    html = response.content.decode()
    listed = (
        html.split('id="kpi-response_24h_rate-targets"', 1)[1].split("<tbody>", 1)[1].split("</table>", 1)[0]
    )
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>.*?</td>", listed, re.S)]
    assert cells == [
        *["all stores", "2026-01-01", "2026-06-30", "≥ 90.0 %", "80.0 %", "=总部目标"],
        *[cast.store_a.name, "2026-03-01", "open-ended", "≥ 50.0 %", "—", ""],
    ]
    assert 'id="kpi-mttr_h-targets"' not in html
    assert cast.store_b.name not in html


def test_the_catalogue_reads_the_targets_in_one_query(executive, cast, django_assert_num_queries):
    client = signed_in(executive)
    # session, user, the targets
    with django_assert_num_queries(3):
        client.get("/kpi/catalogue/")
    for code in ("response_24h_rate", "csat_t2b", "mttr_h"):
        for store in (None, cast.store_a, cast.store_b):
            KpiTarget.objects.create(kpi_code=code, store=store, valid_from=date(2026, 1, 1), target=0.5)
    with django_assert_num_queries(3):
        page = client.get("/kpi/catalogue/")
    assert page.content.decode().count('<tr class="admin-targets"') == 3


def test_the_values_page_shows_values_against_the_target_and_a_dash_for_no_value(manager_a, march):
    # when store A's manager looks at March, by store
    query = {**MARCH, "codes": ["response_24h_rate", "csat_t2b", "mttr_h"], "breakdown": "store"}
    response = signed_in(manager_a).get("/kpi/", query)
    # then
    assert response.status_code == 200
    rows = response.context["rows"]
    shown = {(row.kpi.code, row.key): [cell.text for cell in row.cells] for row in rows}
    assert shown == {
        ("response_24h_rate", None): ["50.0 %"],
        ("response_24h_rate", "store-a"): ["50.0 %"],
        ("csat_t2b", None): ["100.0 %"],
        ("csat_t2b", "store-a"): ["100.0 %"],
        ("mttr_h", None): ["—"],
        ("mttr_h", "store-a"): ["—"],
    }
    first = rows[0]
    assert (first.cells[0].status, first.target) == ("red", "100.0 %")
    assert rows[2].cells[0].small_sample  # n = 1 < 30
    assert "store-b" not in response.content.decode()


def test_the_values_table_exports_as_csv_and_xlsx_as_shown(manager_a, march):
    # given store A's manager's March table by store (the page test above shows it)
    query = {**MARCH, "codes": ["response_24h_rate", "csat_t2b", "mttr_h"], "breakdown": "store"}
    client = signed_in(manager_a)
    with translation.override("en"):
        page = client.get("/kpi/", query, HTTP_ACCEPT_LANGUAGE="en")
        # when it is exported
        as_csv = client.get("/kpi/", {**query, "export": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
        as_xlsx = client.get("/kpi/", {**query, "export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
        bad = client.get("/kpi/", {**query, "export": "pdf"}, HTTP_ACCEPT_LANGUAGE="en")
    # then the page links both, and each holds the same rows, values as shown
    assert 'export=csv" role="button"' in page.content.decode()
    expected = [
        ["KPI", "Breakdown", "2026-03", "Target"],
        ["Effective response within 24 h", "", "50.0 %", "100.0 %"],
        ["Effective response within 24 h", "store-a", "50.0 %", "100.0 %"],
        ["CSAT (top-2-box)", "", "100.0 %", "95.0 %"],
        ["CSAT (top-2-box)", "store-a", "100.0 %", "95.0 %"],
        ["Mean time to resolve", "", "—", "—"],
        ["Mean time to resolve", "store-a", "—", "—"],
    ]
    assert as_csv["Content-Disposition"] == 'attachment; filename="kpi-values-2026-03-01.csv"'
    assert list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")))) == expected
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [
        ["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)
    ] == expected
    assert bad.status_code == 400
    assert bad.context["error"].message == "Unknown export format 'pdf': use csv or xlsx."


def test_the_breakdown_picker_names_every_breakdown(specialist_a):
    with translation.override("zh-hans"):
        response = signed_in(specialist_a).get("/kpi/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert '<option value="fault_category">故障类别</option>' in html
    assert '<option value="product_model">产品型号</option>' in html
    assert '<option value="customer_tier">客户等级</option>' in html


def _offered(html: str) -> list[str]:
    picker = html.split('id="kpi-breakdown"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"', picker)


def test_the_breakdown_picker_offers_what_the_chosen_kpis_all_support(specialist_a):
    client = signed_in(specialist_a)
    with translation.override("en"):
        oee = client.get("/kpi/", {"codes": "oee"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        sales = client.get("/kpi/", {"codes": ["sales_revenue"]}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        both = client.get("/kpi/", {"codes": ["sales_revenue", "csat_t2b"]}, HTTP_ACCEPT_LANGUAGE="en")
        apart = client.get(
            "/kpi/", {"codes": "oee,sales_revenue"}, HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        every = client.get("/kpi/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # OEE is company-wide, by production line only; the deals by store, region, channel and vehicle kind
    assert _offered(oee) == ["", "line"]
    assert '<option value="line">production line</option>' in oee
    assert _offered(sales) == ["", "store", "region", "channel", "kind"]
    # two KPIs: what both have; none in common: only "none"
    assert _offered(both.content.decode()) == ["", "store", "region", "channel", "kind"]
    assert _offered(apart) == [""]
    # no KPI chosen (the page shows every KPI having the breakdown): any KPI's breakdown
    assert _offered(every) == [
        "",
        *["store", "region", "department", "specialist", "fault_category", "product_model"],
        *["product_category", "channel", "kind", "priority", "customer_tier"],
        *["line", "stage", "product", "category", "supplier"],
    ]


def test_the_business_breakdowns_are_labelled_in_chinese(specialist_a):
    with translation.override("zh-hans"):
        response = signed_in(specialist_a).get("/kpi/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    for name, label in [
        ("line", "生产线"),
        ("stage", "检验环节"),
        ("product", "产品"),
        ("category", "成本类别"),
        ("supplier", "供应商"),
    ]:
        assert f'<option value="{name}">{label}</option>' in html


def test_the_values_page_judges_each_store_by_the_target_the_admins_set_for_it(manager_a, march, cast):
    # given store A's own target for 24-hour response is 50 % (warning 40 %) from March, while the
    # company keeps the catalogue's 100 %
    KpiTarget.objects.create(
        kpi_code="response_24h_rate", store=cast.store_a, valid_from=date(2026, 3, 1), target=0.5, warning=0.4
    )
    # when
    query = {**MARCH, "codes": ["response_24h_rate"], "breakdown": "store"}
    rows = signed_in(manager_a).get("/kpi/", query).context["rows"]
    # then store A's 50.0 % meets its own target, and the company row is still judged against 100 %
    judged = {row.key: (row.cells[0].text, row.cells[0].status, row.target) for row in rows}
    assert judged == {None: ("50.0 %", "red", "100.0 %"), "store-a": ("50.0 %", "green", "50.0 %")}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"start": "2026-05-01"},
            "end",
            "The period must end after it starts (start 2026-05-01, end 2026-04-01).",
        ),
        ({"codes": "csat_t2b,nope"}, "codes", "Unknown KPI code(s): nope."),
        (
            {"codes": "sales_revenue", "breakdown": "specialist"},
            "breakdown",
            "These KPIs cannot be broken down by 'specialist'; choose one of channel, kind, region, store.",
        ),
    ],
)
def test_the_values_page_answers_bad_parameters_with_400_saying_what(specialist_a, params, field, message):
    client = signed_in(specialist_a)
    with translation.override("en"):
        response = client.get("/kpi/", {**MARCH, "codes": "csat_t2b", **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["error"].field == field
    assert response.context["error"].message == message
    assert f'data-field="{field}">' in response.content.decode()


def test_kpi_pages_are_for_staff(customer_a):
    client = signed_in(customer_a.user)
    assert client.get("/kpi/").status_code == 403
    assert client.get("/kpi/catalogue/").status_code == 403
    assert Client().get("/kpi/").status_code == 302


def test_api_catalogue(specialist_a):
    response = get(api_client(specialist_a), "/kpi/catalogue")
    assert response.status_code == 200
    body = response.json()
    assert [row["code"] for row in body] == [kpi.code for kpi in CATALOGUE]
    csat = body[0]
    assert csat == {
        "code": "csat_t2b",
        "name_zh": "客户满意率（前两项）",
        "name_en": "CSAT (top-2-box)",
        "family": "survey",
        "kind": "ratio",
        "reference": "kpi-definitions §1, §2.1",
        "formula": "count(CSAT answer ∈ {4, 5}) / count(CSAT answers), 1–5 scale",
        "unit": "%",
        "direction": "higher_better",
        "variant": CATALOGUE.get("csat_t2b").variant,
        "target": 0.95,
        "warning": 0.9,
        "min_n": 30,
    }


def test_api_values_by_store_for_a_manager(manager_a, march):
    response = get(
        api_client(manager_a), "/kpi/values", codes="csat_t2b,requests_received", breakdown="store", **MARCH
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["periods"], body["keys"], body["breakdown"]) == (["2026-03-01"], ["store-a"], "store")
    cells = {(cell["kpi"], cell["key"]): cell for cell in body["values"]}
    assert set(cells) == {
        ("csat_t2b", "store-a"),
        ("csat_t2b", None),
        ("requests_received", "store-a"),
        ("requests_received", None),
    }
    assert cells[("csat_t2b", None)] == {
        "kpi": "csat_t2b",
        "period": "2026-03-01",
        "key": None,
        "value": 1.0,
        "numerator": 1.0,
        "denominator": 1.0,
        "n": 1,
    }
    assert cells[("requests_received", None)]["value"] == 2


def test_api_values_company_wide_for_an_executive(executive, march):
    body = get(api_client(executive), "/kpi/values", codes="csat_t2b", **MARCH).json()
    [cell] = body["values"]
    assert (cell["numerator"], cell["denominator"], cell["value"]) == (1, 2, 0.5)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"codes": "csat_t2b,nope"}, "codes", "Unknown KPI code(s): nope."),
        ({"start": "2026-04-01", "end": "2026-03-01"}, "end", "The period must end after it starts"),
        ({"start": "1 March"}, "start", "'1 March' is not a date (YYYY-MM-DD) for start."),
        ({"grain": "fortnight"}, "grain", "Unknown grain 'fortnight'"),
        ({"breakdown": "colour"}, "breakdown", "cannot be broken down by 'colour'"),
    ],
)
def test_api_values_bad_parameters_are_400_naming_the_parameter(specialist_a, params, field, message):
    response = get(api_client(specialist_a), "/kpi/values", **{**MARCH, "codes": "csat_t2b", **params})
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["field"] == field
    assert message in body["message"]


def test_api_kpis_are_for_staff(customer_a):
    response = get(api_client(customer_a.user), "/kpi/values", **MARCH)
    assert response.status_code == 403


def test_command_prints_a_table(march):
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "kpi",
            "values",
            "--codes",
            "csat_t2b,requests_received",
            "--start",
            "2026-03-01",
            "--end",
            "2026-04-01",
            "--breakdown",
            "store",
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["KPI", "2026-03", "target"]
    assert [line.split() for line in lines[1:]] == [
        ["CSAT", "(top-2-box)", "50.0", "%", "95.0", "%"],
        ["store-a", "100.0", "%", "95.0", "%"],
        ["store-b", "0.0", "%", "95.0", "%"],
        ["Service", "requests", "received", "3", "—"],
        ["store-a", "2", "—"],
        ["store-b", "1", "—"],
    ]


def test_command_as_a_user_and_bad_input(march, cast):
    testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))
    out = io.StringIO()
    call_command(
        "kpi",
        "values",
        "--codes",
        "requests_received",
        "--start",
        "2026-03-01",
        "--end",
        "2026-04-01",
        "--as",
        "manager_b",
        stdout=out,
    )
    assert out.getvalue().splitlines()[1].split()[-2:] == ["1", "—"]
    with pytest.raises(CommandError, match="--grain: Unknown grain 'hour'"):
        call_command("kpi", "values", "--grain", "hour")
    with pytest.raises(CommandError, match="--as: there is no active user 'nobody'"):
        call_command("kpi", "values", "--as", "nobody")
