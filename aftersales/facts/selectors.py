"""Reads for the import pages and the API: what a person may see of the datasets and their history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from aftersales.accounts.models import User
from aftersales.facts.datasets import Dataset
from aftersales.facts.models import ImportBatch
from aftersales.facts.permissions import importable_datasets
from aftersales.facts.querysets import facts_visible_to

HISTORY_SIZE = 50


@dataclass(frozen=True)
class DatasetSummary:
    dataset: Dataset
    rows: int
    last_import: ImportBatch | None


def dataset_summaries(user: User) -> list[DatasetSummary]:
    """The datasets a person may import: how many of their rows they can see, and their last import."""
    datasets = importable_datasets(user)
    return [
        DatasetSummary(
            dataset=dataset,
            rows=facts_visible_to(dataset, user).count(),
            last_import=import_history(user, dataset=dataset.code).first(),
        )
        for dataset in datasets
    ]


def import_history(user: User, *, dataset: str = "") -> QuerySet[ImportBatch]:
    history = ImportBatch.objects.visible_to(user).select_related("by")
    if dataset:
        history = history.filter(dataset=dataset)
    return history.order_by("-created_at", "-pk")


def fact_rows(dataset: Dataset, user: User) -> QuerySet:
    rows = facts_visible_to(dataset, user)
    related = [c.field for c in dataset.columns if c.kind in ("store", "person", "session", "customer")]
    return rows.select_related(*related).order_by(*dataset.model._meta.ordering, "pk")
