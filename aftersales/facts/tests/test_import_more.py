"""The datasets of the catalogue's second part: a customer (by phone number) on sales deals, quality
objectives and service opportunities, through the file import, the command and the API, with their bad
input reported by row, column, value and reason."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from aftersales.api.testing import api_client, post
from aftersales.customers.models import Customer
from aftersales.facts.models import ImportBatch, QualityObjective, SalesDeal, ServiceOpportunity
from aftersales.facts.services import facts_import_file
from aftersales.facts.tests.conftest import SALES_HEADER, csv_bytes, sales_row, xlsx

pytestmark = pytest.mark.django_db


def run(data: bytes, dataset: str, *, name: str = "file.xlsx", by=None):
    with translation.override("en"):
        return facts_import_file(dataset=dataset, file_name=name, data=data, by=by)


def errors(batch: ImportBatch) -> list[tuple]:
    return [(e["row"], e["column"], e["value"], e["reason"]) for e in batch.errors]


# --- sales deals: the customer ----------------------------------------------------------------------------


def test_a_deal_names_its_customer_by_phone_number(cast):
    cast.customer_a.phone, cast.customer_b.phone = "13900000001", "13900000002"
    cast.customer_a.save(), cast.customer_b.save()
    # a later customer with customer A's number: the first registered is meant, as on the web form
    Customer.objects.create(name="同号", phone="13900000001", home_store=cast.store_a)
    header = [*SALES_HEADER, "客户手机号"]
    batch = run(
        xlsx(
            [
                header,
                sales_row("SD-1", customer="13900000001"),
                sales_row("SD-2", customer=""),
                sales_row("SD-3", customer="13900000002"),
            ]
        ),
        "sales_deals",
    )
    assert batch.status == "applied", batch.errors
    assert dict(SalesDeal.objects.values_list("deal_number", "customer")) == {
        "SD-1": cast.customer_a.pk,
        "SD-2": None,
        "SD-3": cast.customer_b.pk,
    }


def test_an_unknown_customer_phone_is_an_error_on_its_row_and_column(stores):
    batch = run(
        xlsx([[*SALES_HEADER, "Customer phone"], sales_row("SD-1", customer="13999999999")]), "sales_deals"
    )
    assert errors(batch) == [(2, "Customer phone", "13999999999", "no customer has this phone number")]
    assert SalesDeal.objects.count() == 0


# --- quality objectives -----------------------------------------------------------------------------------

OBJECTIVE_HEADER = ["月份", "门店代码", "目标编号", "质量目标", "目标值", "实际值", "达标方向", "是否达成"]


def test_quality_objectives_are_imported_per_store_and_company_wide(stores):
    data = xlsx(
        [
            OBJECTIVE_HEADER,
            ["2026-03", "", "QO-FPY", "一次交验合格率", "98", "98.6", "at_least", ""],
            ["2026年3月", "store-a", "QO-FPY", "一次交验合格率", "97", "96", "不低于目标", "是"],
            ["2026-03", "", "QO-NCR", "产品不合格率", "2", "", "at_most", ""],
        ]
    )
    batch = run(data, "quality_objectives")
    assert (batch.status, batch.rows_created) == ("applied", 3), batch.errors
    company = QualityObjective.objects.get(store=None, code="QO-FPY")
    assert (company.month, company.target_value, company.actual_value, company.met) == (
        date(2026, 3, 1),
        Decimal("98.0000"),
        Decimal("98.6000"),
        None,
    )
    store = QualityObjective.objects.get(store=stores[0])
    assert (store.direction, store.met) == ("at_least", True)
    # the same file again updates the company-wide rows too (an empty store is part of the key)
    again = run(data, "quality_objectives")
    assert (again.rows_created, again.rows_updated) == (0, 3)


def test_bad_quality_objectives_are_reported(stores):
    batch = run(
        xlsx(
            [
                OBJECTIVE_HEADER,
                ["2026-03", "store-x", "QO-1", "x", "1", "1", "at_least", ""],
                ["2026-03", "", "QO-2", "x", "1", "1", "upwards", ""],
                ["2026-03", "", "QO-3", "x", "1", "1", "at_most", ""],
                ["2026-03", "", "QO-3", "x", "2", "2", "at_most", ""],
            ]
        ),
        "quality_objectives",
    )
    assert errors(batch) == [
        (2, "门店代码", "store-x", "unknown store code"),
        (3, "达标方向", "upwards", "one of: at least the target, at most the target"),
        (5, "门店代码", "", "the same key (Store code, Objective code, Month) as row 4"),
    ]
    assert QualityObjective.objects.count() == 0


def test_a_quality_objectives_file_with_a_wrong_header():
    batch = run(xlsx([["月份", "目标编号", "目标"], ["2026-03", "QO-1", "1"]]), "quality_objectives")
    found = errors(batch)
    assert found[0][:3] == (1, "目标", "目标")
    assert found[0][3].startswith("unknown column; the columns of this dataset are: Month, Store code")
    assert [error[1] for error in found[1:]] == ["Objective", "Target value", "Direction"]
    assert all(error[3] == "a required column is missing" for error in found[1:])


# --- service opportunities --------------------------------------------------------------------------------

OPPORTUNITY_HEADER = ["Opportunity code", "Store code", "Customer phone", "Created", "Kind", "Converted"]


def test_service_opportunities_are_imported_from_csv_with_english_headers(cast):
    cast.customer_a.phone = "13900000001"
    cast.customer_a.save()
    data = csv_bytes(
        [
            OPPORTUNITY_HEADER,
            ["OP-1", "store-a", "13900000001", "2026-03-04", "extended warranty", "2026-03-20"],
            ["OP-2", "store-b", "", "2026/3/5", "vehicle", ""],
        ]
    )
    batch = run(data, "service_opportunities", name="ops.csv")
    assert (batch.status, batch.rows_created) == ("applied", 2), batch.errors
    first = ServiceOpportunity.objects.get(code="OP-1")
    assert (first.store, first.customer, first.kind, first.converted_on) == (
        cast.store_a,
        cast.customer_a,
        "extended_warranty",
        date(2026, 3, 20),
    )
    assert ServiceOpportunity.objects.get(code="OP-2").converted_on is None


def test_bad_service_opportunities_are_reported(stores):
    batch = run(
        csv_bytes(
            [
                OPPORTUNITY_HEADER,
                ["OP-1", "store-a", "", "2026-03-04", "vehicle", "2026-03-01"],
                ["OP-2", "nowhere", "", "2026-03-04", "vehicle", ""],
                ["OP-3", "store-a", "13999999999", "2026-03-04", "vehicle", ""],
                ["OP-4", "store-a", "", "2026-03-04", "accessory", ""],
                ["OP-4", "store-b", "", "2026-03-05", "upgrade", ""],
            ]
        ),
        "service_opportunities",
        name="ops.csv",
    )
    assert errors(batch) == [
        (2, "Converted", "2026-03-01", "converted before it was created"),
        (3, "Store code", "nowhere", "unknown store code"),
        (4, "Customer phone", "13999999999", "no customer has this phone number"),
        (6, "Opportunity code", "OP-4", "the same key (Opportunity code) as row 5"),
    ]
    assert ServiceOpportunity.objects.count() == 0


def test_service_opportunities_through_the_command_and_the_api(tmp_path, stores, manager_a):
    path = tmp_path / "ops.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["商机编号", "门店代码", "创建日期", "商机类型", "成交日期"],
                ["OP-1", "store-a", "2026-03-04", "精品", ""],
            ]
        )
    )
    out = io.StringIO()
    call_command("import", "service_opportunities", str(path), stdout=out, stderr=io.StringIO())
    assert out.getvalue().rstrip().endswith(": created 1, updated 0")
    assert ServiceOpportunity.objects.get().kind == "accessory"
    # a store manager posts their own store's rows; another store's is refused, nothing written
    client = api_client(manager_a)
    row = {"code": "OP-2", "store": "store-a", "created_on": "2026-03-05", "kind": "upgrade"}
    assert post(client, "/facts/service_opportunities", {"rows": [row]}).status_code == 200
    refused = post(
        client, "/facts/service_opportunities", {"rows": [{**row, "code": "OP-3", "store": "store-b"}]}
    )
    assert refused.status_code == 400
    assert refused.json()["extra"]["errors"][0]["message"] == "you may import only the rows of your own store"
    assert sorted(ServiceOpportunity.objects.values_list("code", flat=True)) == ["OP-1", "OP-2"]
