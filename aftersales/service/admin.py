"""Admin for SLA policies and, read-mostly, requests with their event log, visits and parts.

Requests change through the service functions (which keep the event log and the SLA clock right), so
the admin only lets an administrator correct descriptive fields."""

from django.contrib import admin

from aftersales.service import admin_mail  # noqa: F401 - registers the inbound email admin
from aftersales.service.models import PartUsage, SlaPolicy, Ticket, TicketEvent, Visit


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "store",
        "kind",
        "priority",
        "customer_tier",
        "response_minutes",
        "resolution_minutes",
        "business_hours",
        "warning_percent",
        "rank",
        "active",
    ]
    list_filter = ["active", "business_hours", "store", "kind", "priority", "customer_tier"]
    search_fields = ["name"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "type", "actor", "from_status", "to_status", "payload"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


TICKET_EDITABLE = ["subject", "description", "fault_category"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "store", "customer", "status", "priority", "assignee", "created_at"]
    list_filter = ["status", "kind", "priority", "channel", "store"]
    search_fields = ["number", "subject", "customer__name", "customer__phone"]
    list_select_related = ["store", "customer", "assignee"]
    date_hierarchy = "created_at"
    inlines = [TicketEventInline]
    exclude = ["tracking_token"]

    def get_readonly_fields(self, request, obj=None):
        return [
            field.name
            for field in Ticket._meta.get_fields()
            if getattr(field, "concrete", False)
            and not field.auto_created
            and field.name not in TICKET_EDITABLE
            and field.name != "tracking_token"
        ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["ticket", "technician", "window_start", "window_end", "status"]
    list_filter = ["status", "ticket__store"]
    search_fields = ["ticket__number", "technician__username", "technician__display_name"]
    list_select_related = ["ticket", "technician"]
    raw_id_fields = ["ticket", "technician"]
    date_hierarchy = "window_start"


@admin.register(PartUsage)
class PartUsageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "part_number", "description", "quantity", "unit_cost", "covered_percent"]
    list_filter = ["ticket__store"]
    search_fields = ["part_number", "description", "ticket__number"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "recorded_by"]
