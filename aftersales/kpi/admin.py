"""Admin for KPI snapshots (read-only) and targets per KPI × store (or every store) × range of periods."""

from django import forms
from django.contrib import admin

from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.models import KpiSnapshot, KpiTarget


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are written by the refreshes only (`kpi.services`: the command, the worker's
    kpi-snapshots and kpi-reconcile jobs)."""

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


class KpiTargetForm(forms.ModelForm):
    kpi_code = forms.ChoiceField(
        choices=[(kpi.code, f"{kpi.code} · {kpi.name_zh} / {kpi.name_en}") for kpi in CATALOGUE]
    )

    class Meta:
        model = KpiTarget
        fields = [
            "kpi_code",
            "store",
            "valid_from",
            "valid_until",
            "target",
            "warning",
            "band_low",
            "band_high",
            "note",
        ]


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    form = KpiTargetForm
    list_display = [
        "kpi_code",
        "store",
        "valid_from",
        "valid_until",
        "target",
        "warning",
        "band_low",
        "band_high",
    ]
    list_filter = ["kpi_code", "store"]
    ordering = ["kpi_code", "store", "-valid_from"]
