"""Admin for inbound email: the drop log and the quarantine an administrator works through.

Rows are read-only; a quarantined message can be processed again (after fixing what stopped it, e.g.
adding the sender as a customer), which replaces its quarantine row with the new outcome."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.service.mail.ingest import mail_ingest
from aftersales.service.models import InboundMessage


@admin.action(description=gettext_lazy("Process the quarantined messages again"), permissions=["delete"])
def process_again(modeladmin, request, queryset):
    for message in queryset.filter(outcome=InboundMessage.Outcome.QUARANTINED, raw__isnull=False):
        raw = bytes(message.raw)
        with transaction.atomic():
            message.delete()
            result = mail_ingest(raw=raw)
        number = result.ticket.number if result.ticket else ""
        modeladmin.message_user(
            request,
            _("%(id)s: %(outcome)s %(number)s %(reason)s")
            % {
                "id": message.message_id,
                "outcome": result.outcome,
                "number": number,
                "reason": result.reason,
            },
            messages.SUCCESS if result.outcome != InboundMessage.Outcome.QUARANTINED else messages.WARNING,
        )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "outcome", "from_address", "subject", "ticket", "reason"]
    list_filter = ["outcome"]
    search_fields = ["message_id", "from_address", "subject"]
    date_hierarchy = "received_at"
    list_select_related = ["ticket"]
    actions = [process_again]
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

    @admin.display(description=gettext_lazy("raw message size"))
    def raw_size(self, obj: InboundMessage) -> str:
        return f"{len(obj.raw)} bytes" if obj.raw else "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
