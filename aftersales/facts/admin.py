"""Read-only admin for imported data: rows change only through an import (file, command or API), so
every row keeps the batch that wrote it and the history stays true."""

from django.contrib import admin

from aftersales.facts.datasets import REGISTRY
from aftersales.facts.models import ImportBatch


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "dataset",
        "source",
        "by",
        "file_name",
        "status",
        "rows_total",
        "error_count",
    ]
    list_filter = ["dataset", "status", "source"]
    search_fields = ["file_name", "by__username"]


def _register(dataset) -> None:
    fields = [column.field for column in dataset.columns]
    admin_class = type(
        f"{dataset.model.__name__}Admin",
        (ReadOnlyAdmin,),
        {
            "list_display": [*fields[:6], "import_batch"],
            "list_filter": [f for f in ("store",) if f in fields],
        },
    )
    admin.site.register(dataset.model, admin_class)


for _dataset in REGISTRY:
    _register(_dataset)
