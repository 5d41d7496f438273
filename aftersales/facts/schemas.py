"""API shapes of the business data imports."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

MAX_API_ROWS = 10_000


class ColumnOut(Schema):
    field: str
    header_zh: str
    header_en: str
    type: str
    required: bool


class DatasetOut(Schema):
    code: str
    title: str
    description: str
    natural_key: list[str]
    time_field: str
    columns: list[ColumnOut]


class FactsIn(Schema):
    rows: list[dict[str, Any]] = Field(
        ...,
        max_length=MAX_API_ROWS,
        description="objects keyed by the dataset's field names (docs/imports.md)",
    )
    dry_run: bool = Field(False, description="validate and count, write nothing")


class ImportOut(Schema):
    id: int
    dataset: str
    status: str
    rows_total: int
    rows_created: int
    rows_updated: int
    created_at: datetime
