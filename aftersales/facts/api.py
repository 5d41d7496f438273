"""Business data over the API: the dataset catalogue (`GET /api/v1/facts`), a dataset's rows
(`GET /api/v1/facts/{dataset}`, scoped and paginated) and an import of JSON rows
(`POST /api/v1/facts/{dataset}`: the same validation and upsert as a file; all or nothing).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from aftersales.api.auth import current_user
from aftersales.api.pagination import PageNumberPagination
from aftersales.core.errors import ApplicationError
from aftersales.facts.datasets import CUSTOMER, PERSON, SESSION, STORE, Dataset
from aftersales.facts.models import ImportBatch
from aftersales.facts.permissions import importable_datasets
from aftersales.facts.schemas import DatasetOut, FactsIn, ImportOut
from aftersales.facts.selectors import fact_rows
from aftersales.facts.services import dataset_for, facts_import_records

router = Router(tags=["facts"])

REFERENCE_CODE = {STORE: "code", PERSON: "username", SESSION: "code", CUSTOMER: "phone"}


class RowsPage:
    """A dataset's queryset seen as a sequence of JSON objects: the paginator counts it and slices it,
    and only the page's rows are turned into dicts."""

    def __init__(self, dataset: Dataset, queryset):
        self.dataset = dataset
        self.queryset = queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.as_dict(row) for row in self.queryset[page]]

    def as_dict(self, row) -> dict[str, Any]:
        data: dict[str, Any] = {"id": row.pk}
        for column in self.dataset.columns:
            value = getattr(row, column.field)
            if column.kind in REFERENCE_CODE:
                value = getattr(value, REFERENCE_CODE[column.kind]) if value is not None else None
            data[column.field] = value
        data["import_batch"] = row.import_batch_id
        data["updated_at"] = row.updated_at
        return data


@router.get("/facts", response=list[DatasetOut], summary="List the datasets the caller may import")
def facts_datasets(request):
    user = current_user(request)
    with translation.override("en"):
        return [
            {
                "code": dataset.code,
                "title": str(dataset.title),
                "description": str(dataset.description),
                "natural_key": list(dataset.key),
                "time_field": dataset.time_field,
                "columns": [
                    {
                        "field": c.field,
                        "header_zh": c.zh,
                        "header_en": c.en,
                        "type": c.kind,
                        "required": c.required,
                    }
                    for c in dataset.columns
                ],
            }
            for dataset in importable_datasets(user)
        ]


@router.get("/facts/{dataset}", response=list[dict[str, Any]], summary="List a dataset's rows")
@paginate(PageNumberPagination)
def facts_list(request, dataset: str):
    user = current_user(request)
    spec = dataset_for(dataset, by=user)  # unknown: 400; a dataset the caller may not import: 403
    return RowsPage(spec, fact_rows(spec, user))


@router.post("/facts/{dataset}", response=ImportOut, summary="Import rows (all or nothing)")
def facts_import(request, dataset: str, payload: FactsIn):
    batch = facts_import_records(
        dataset=dataset, records=payload.rows, by=current_user(request), dry_run=payload.dry_run
    )
    if batch.status == ImportBatch.Status.FAILED:
        raise ApplicationError(
            _("%(count)d error(s) in %(rows)d rows; nothing was written.")
            % {"count": batch.error_count, "rows": batch.rows_total},
            extra={
                "import": batch.pk,
                "errors": [
                    {"row": e["row"], "field": e["column"], "value": e["value"], "message": e["reason"]}
                    for e in batch.errors
                ],
            },
        )
    return batch
