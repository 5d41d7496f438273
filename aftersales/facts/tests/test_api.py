"""The facts API: the catalogue, scoped and paginated rows, and imports of JSON rows with per-row errors."""

from decimal import Decimal

import pytest

from aftersales.api.testing import api_client, get, post
from aftersales.facts.models import ImportBatch, SalesDeal

pytestmark = pytest.mark.django_db


def deal(number: str, **changes) -> dict:
    return {
        "deal_number": number,
        "date": "2026-03-02",
        "store": "store-a",
        "salesperson": "王磊",
        "vehicle_model": "EV S1",
        "vehicle_kind": "new",
        "price": 189900,
        "cost": "171500.00",
        "with_finance": True,
        **changes,
    }


def test_rows_are_imported_and_reimported_by_their_natural_key(manager_a):
    client = api_client(manager_a)
    first = post(client, "/facts/sales_deals", {"rows": [deal("SD-1"), deal("SD-2")]})
    assert first.status_code == 200, first.json()
    assert {
        k: first.json()[k] for k in ("dataset", "status", "rows_total", "rows_created", "rows_updated")
    } == {
        "dataset": "sales_deals",
        "status": "applied",
        "rows_total": 2,
        "rows_created": 2,
        "rows_updated": 0,
    }
    second = post(client, "/facts/sales_deals", {"rows": [deal("SD-1", price="150000.5")]})
    assert (second.json()["rows_created"], second.json()["rows_updated"]) == (0, 1)
    assert SalesDeal.objects.get(deal_number="SD-1").price == Decimal("150000.50")
    assert ImportBatch.objects.filter(source="api", by=manager_a).count() == 2


def test_errors_name_the_row_index_and_the_field_and_nothing_is_written(manager_a, store_b):
    # row 1 is of store B and its price negative: the cell error is reported (the store is checked
    # once the row's cells are valid); row 2 has a field the dataset lacks and repeats row 0's key
    rows = [
        deal("SD-1"),
        deal("SD-2", store="store-b", price=-1),
        deal("SD-1", colour="red"),
        {"deal_number": "SD-4"},
    ]
    response = post(api_client(manager_a), "/facts/sales_deals", {"rows": rows})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "9 error(s) in 4 rows; nothing was written."
    assert body["extra"]["errors"] == [
        {"row": 1, "field": "price", "value": "-1", "message": "must not be negative"},
        {"row": 2, "field": "colour", "value": "red", "message": "unknown field"},
        {"row": 2, "field": "deal_number", "value": "SD-1", "message": "the same key (Deal number) as row 0"},
        {"row": 3, "field": "date", "value": "", "message": "required"},
        {"row": 3, "field": "store", "value": "", "message": "required"},
        {"row": 3, "field": "vehicle_model", "value": "", "message": "required"},
        {"row": 3, "field": "vehicle_kind", "value": "", "message": "required"},
        {"row": 3, "field": "price", "value": "", "message": "required"},
        {"row": 3, "field": "cost", "value": "", "message": "required"},
    ]
    assert SalesDeal.objects.count() == 0
    assert ImportBatch.objects.get(pk=body["extra"]["import"]).status == "failed"


def test_unknown_datasets_forbidden_datasets_and_bad_bodies(manager_a, specialist_a):
    client = api_client(manager_a)
    unknown = post(client, "/facts/nope", {"rows": []})
    assert unknown.status_code == 400
    assert unknown.json()["message"].startswith("There is no dataset “nope”; the datasets are: sales_deals, ")
    assert unknown.json()["extra"] == {"field": "dataset"}
    assert post(client, "/facts/quality_costs", {"rows": []}).status_code == 403
    assert get(api_client(specialist_a), "/facts/sales_deals").status_code == 403
    assert post(client, "/facts/sales_deals", {"rows": "x"}).status_code == 422
    assert post(client, "/facts/sales_deals", {"rows": [{}] * 10_001}).status_code == 422


def test_the_list_is_scoped_to_the_managers_store_and_paginated(manager_a, executive, store_b):
    post(
        api_client(executive),
        "/facts/sales_deals",
        {"rows": [deal("SD-A1"), deal("SD-A2"), deal("SD-B", store="store-b")]},
    )
    mine = get(api_client(manager_a), "/facts/sales_deals", page_size=1)
    assert mine.status_code == 200
    body = mine.json()
    assert (body["count"], body["pages"], len(body["items"])) == (2, 2, 1)
    item = body["items"][0]
    assert {
        k: item[k] for k in ("deal_number", "store", "price", "date", "with_finance", "vehicle_kind")
    } == {
        "deal_number": "SD-A1",
        "store": "store-a",
        "price": "189900.00",
        "date": "2026-03-02",
        "with_finance": True,
        "vehicle_kind": "new",
    }
    everything = get(api_client(executive), "/facts/sales_deals").json()
    assert [i["deal_number"] for i in everything["items"]] == ["SD-A1", "SD-A2", "SD-B"]


def test_the_catalogue_lists_the_callers_datasets(manager_a):
    body = get(api_client(manager_a), "/facts").json()
    assert [d["code"] for d in body] == [
        "sales_deals",
        "inventory",
        "cogs",
        "attendance",
        "employee_survey",
        "finance",
        "service_audits",
        "quality_objectives",
        "service_opportunities",
    ]
    assert body[0]["natural_key"] == ["deal_number"] and body[0]["time_field"] == "date"
    assert body[0]["columns"][0] == {
        "field": "deal_number",
        "header_zh": "成交单号",
        "header_en": "Deal number",
        "type": "text",
        "required": True,
    }
