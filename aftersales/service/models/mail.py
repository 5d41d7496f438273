"""Every message that came in by email and what became of it: the idempotency key (Message-ID), the
threading index (a reply's In-Reply-To / References point at a stored Message-ID), the drop log and
the quarantine an administrator works through."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock


class InboundMessage(models.Model):
    class Outcome(models.TextChoices):
        CREATED = "created", _("request created")
        THREADED = "threaded", _("added to a request")
        DROPPED_AUTO_REPLY = "dropped_auto_reply", _("dropped: automatic reply")
        DROPPED_BOUNCE = "dropped_bounce", _("dropped: bounce")
        DROPPED_LOOP = "dropped_loop", _("dropped: mail loop")
        QUARANTINED = "quarantined", _("quarantined")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), default=clock.now, db_index=True)
    ticket = models.ForeignKey(
        "service.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("service request"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    # Kept only for quarantined messages, so that nothing is lost and an administrator can replay it.
    raw = models.BinaryField(_("raw message"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [models.Index(fields=["from_address", "received_at"], name="inbound_sender_recent_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.outcome}"
