"""Admin for inbound email: the drop log and the quarantine an administrator works through."""

from django.contrib import admin

from aftersales.service.models import InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "outcome", "from_address", "subject", "ticket", "reason"]
    list_filter = ["outcome"]
    search_fields = ["message_id", "from_address", "subject"]
    date_hierarchy = "received_at"
    list_select_related = ["ticket"]
    exclude = ["raw"]
    readonly_fields = [
        "message_id",
        "in_reply_to",
        "references",
        "from_address",
        "subject",
        "received_at",
        "ticket",
        "outcome",
        "reason",
        "raw_size",
    ]

    @admin.display(description="raw message size")
    def raw_size(self, obj: InboundMessage) -> str:
        return f"{len(obj.raw)} bytes" if obj.raw else "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
