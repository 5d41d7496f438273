"""Page-number pagination with bounds: `page` ≥ 1 (a page past the end is empty, never an error) and
1 ≤ `page_size` ≤ 100. The count is taken first, so an absurd page number never reaches the database
as an OFFSET."""

from math import ceil
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class PageNumberPagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, description="1-based page number; a page past the end is empty")
        page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="items per page")

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="items on all pages")
        page: int
        page_size: int
        pages: int = Field(description="number of pages")

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        count = self._items_count(queryset)
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        items = list(queryset[offset : offset + size]) if offset < count else []
        return {
            "items": items,
            "count": count,
            "page": pagination.page,
            "page_size": size,
            "pages": ceil(count / size),
        }
