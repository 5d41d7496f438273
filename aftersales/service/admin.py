"""Admin for SLA policies and, read-mostly, requests with their event log, visits and parts.

Requests change through the service functions (which keep the event log and the SLA clock right), so
the admin only lets an administrator correct descriptive fields."""

from django.contrib import admin

from aftersales.service import admin_mail  # noqa: F401 - registers the inbound email admin
from aftersales.service.models import Complaint, PartUsage, SlaPolicy, Ticket, TicketEvent, Visit
from aftersales.service.models.tickets import Kind


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


class ComplaintInline(admin.StackedInline):
    """Read-only: severity, root cause and corrective measure change through the complaint service
    (which records the change and moves the escalation deadlines)."""

    model = Complaint
    can_delete = False
    fields = [
        "severity",
        "source",
        "root_cause",
        "corrective_measure",
        "opened_at",
        "acknowledge_due_at",
        "executive_due_at",
        "escalation_level",
        "due_at",
        "closed_at",
        "closed_within_due",
    ]
    readonly_fields = fields

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

    def get_inlines(self, request, obj=None):
        if obj is not None and obj.kind == Kind.COMPLAINT:
            return [ComplaintInline, TicketEventInline]
        return self.inlines

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
