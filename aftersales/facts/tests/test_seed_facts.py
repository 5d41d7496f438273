"""The demo's business data: every dataset seeded through the import, consistent across datasets, and
the same again after `--reset`."""

import hashlib
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from aftersales.facts.datasets import REGISTRY
from aftersales.facts.models import CostOfGoodsSold, FinanceStatement, ImportBatch, SalesDeal

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", size="small", seed=3, today="2026-11-30", months=2, stdout=out, **options)
    return out.getvalue()


def digest() -> str:
    h = hashlib.sha256()
    # references by code: ids differ after a reset
    codes = {
        "store": "store__code",
        "person": "person__username",
        "session": "session__code",
        "customer": "customer__phone",
    }
    for dataset in REGISTRY:
        fields = [codes.get(c.field, c.field) for c in dataset.columns]
        for row in dataset.model.objects.order_by(*fields).values_list(*fields):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_every_dataset_is_seeded_consistently_and_deterministically():
    output = seed()
    assert "facts.SalesDeal" in output
    # one import per dataset, by the seed, with rows
    batches = ImportBatch.objects.all()
    assert sorted(b.dataset for b in batches) == sorted(d.code for d in REGISTRY)
    assert [
        b.dataset for b in batches if not (b.source == "seed" and b.status == "applied" and b.rows_created)
    ] == []
    for dataset in REGISTRY:
        assert dataset.model.objects.count() > 0, dataset.code
    # two months (October and November 2026) of deals, in the dealerships only
    months = {d.replace(day=1) for d in SalesDeal.objects.values_list("date", flat=True)}
    assert {(m.year, m.month) for m in months} == {(2026, 10), (2026, 11)}
    assert set(SalesDeal.objects.values_list("store__kind", flat=True)) == {"dealership"}
    # the vehicles' cost of goods sold is the sum of the month's deal costs, per store
    costs = defaultdict(Decimal)
    for store_id, day, cost in SalesDeal.objects.values_list("store_id", "date", "cost"):
        costs[(store_id, day.replace(day=1))] += cost
    for row in CostOfGoodsSold.objects.filter(category="vehicles"):
        assert row.amount == costs[(row.store_id, row.month)]
    # the company's finance row is the sum of its stores'
    for company in FinanceStatement.objects.filter(store=None):
        stores = FinanceStatement.objects.filter(month=company.month, store__isnull=False)
        assert company.revenue == sum(s.revenue for s in stores)
        assert company.operating_profit == sum(s.operating_profit for s in stores)
    # the same seed again after --reset gives the same facts
    before = digest()
    seed(reset=True)
    assert digest() == before
    assert ImportBatch.objects.count() == len(REGISTRY)
