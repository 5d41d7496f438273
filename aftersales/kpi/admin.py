from django.contrib import admin

from aftersales.kpi.models import KpiSnapshot


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are written by `aftersales kpi refresh` only."""

    list_display = [
        "kpi",
        "grain",
        "period_start",
        "breakdown",
        "key",
        "value",
        "numerator",
        "denominator",
        "n",
    ]
    list_filter = ["grain", "breakdown", "kpi"]
    search_fields = ["kpi", "key"]
    date_hierarchy = "period_start"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
