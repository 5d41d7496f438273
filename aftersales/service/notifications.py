"""Emails on key events. Each is sent only after the transaction commits (a rolled-back change must not
mail anyone), through a background task so a slow mail server never holds up a page."""

from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.service.mail.conversation import thread_headers
from aftersales.service.tasks import send_emails_task


class _Outbox:
    """The mails of one transaction (at one savepoint level), queued after it commits as one task: one
    row and one commit for all of them instead of one each."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def __call__(self) -> None:
        send_emails_task.enqueue(messages=self.messages)


def _send_after_commit(
    *, to: list[str], subject: str, body: str, ticket=None, automatic: bool = True
) -> None:
    """`automatic` mail (confirmations, alerts) says so (RFC 3834), so that auto-responders stay quiet;
    every mail about a request names it, so that email-in recognises our own mail coming back."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    headers = {}
    if automatic:
        headers["Auto-Submitted"] = "auto-generated"
    if ticket is not None:
        headers["X-Aftersales-Ticket"] = ticket.number
        headers.update(thread_headers(ticket.number, mail_domain()))
    message = {"to": recipients, "subject": subject, "body": body, "headers": headers}
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # Join an outbox registered at this very savepoint level: if a savepoint rolls back, Django
        # drops exactly the callbacks registered under it, and with them these mails.
        # (A block opened with savepoint=False adds None: it shares its parent's fate.)
        level = {sid for sid in connection.savepoint_ids if sid}
        for savepoint_ids, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _Outbox) and savepoint_ids - {None} == level:
                callback.messages.append(message)
                return
    outbox = _Outbox()
    outbox.messages.append(message)
    transaction.on_commit(outbox)


def mail_domain() -> str:
    """The domain of our Message-IDs: the one of the sender address."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "aftersales.localhost"


def tracking_url(ticket) -> str:
    return settings.SITE_URL + reverse("customers:track", args=[ticket.tracking_token])


def ticket_url(ticket) -> str:
    return settings.SITE_URL + reverse("service:ticket_detail", args=[ticket.number])


def confirmation_to_customer(*, ticket) -> None:
    """Carries no text the requester typed: the public web form must not become a way to mail an
    arbitrary message to an arbitrary address."""
    customer = ticket.customer
    if not customer.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] We have received your service request") % {"number": ticket.number}
        body = _(
            "Your service request %(number)s was registered at %(store)s. "
            "A service specialist will contact you within 24 hours.\n\nFollow it here: %(url)s\n"
        ) % {"number": ticket.number, "store": ticket.store.name, "url": tracking_url(ticket)}
    _send_after_commit(to=[customer.email], subject=subject, body=body, ticket=ticket)


def reply_to_customer(*, ticket, comment) -> None:
    if not ticket.customer.email:
        return
    subject = f"[{ticket.number}] {ticket.subject}"
    body = f"{comment.body}\n\n—\n{tracking_url(ticket)}\n"
    _send_after_commit(to=[ticket.customer.email], subject=subject, body=body, ticket=ticket, automatic=False)


def resolved_to_customer(*, ticket) -> None:
    if not ticket.customer.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] Your request is resolved") % {"number": ticket.number}
        body = _(
            "Your request %(number)s is resolved. If the problem persists, reply or reopen it: %(url)s\n"
        ) % {
            "number": ticket.number,
            "url": tracking_url(ticket),
        }
    _send_after_commit(to=[ticket.customer.email], subject=subject, body=body, ticket=ticket)


def assignment_to_specialist(*, ticket) -> None:
    if ticket.assignee is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] Assigned to you: %(subject)s") % {
            "number": ticket.number,
            "subject": ticket.subject,
        }
        body = _("Respond by %(due)s.\n%(url)s\n") % {
            "due": ticket.response_due_at,
            "url": ticket_url(ticket),
        }
    _send_after_commit(to=[ticket.assignee.email], subject=subject, body=body, ticket=ticket)


def sla_alert(*, ticket, recipients: list, level: str, target: str) -> None:
    """`level` is "warning" or "breach"; `target` is "response" or "resolution"."""
    with translation.override(settings.LANGUAGE_CODE):
        words = {"warning": _("SLA warning"), "breach": _("SLA breached")}[level]
        what = {"response": _("first response"), "resolution": _("resolution")}[target]
        subject = f"[{ticket.number}] {words}: {what}"
        body = _("%(what)s due %(due)s.\n%(url)s\n") % {
            "what": what,
            "due": ticket.response_due_at if target == "response" else ticket.resolution_due_at,
            "url": ticket_url(ticket),
        }
    _send_after_commit(to=[user.email for user in recipients], subject=subject, body=body, ticket=ticket)


def _store_time(ticket, moment) -> str:
    return moment.astimezone(ZoneInfo(ticket.store.timezone)).strftime("%Y-%m-%d %H:%M")


def complaint_escalated(*, ticket, complaint, recipients: list, level: int, reason: str) -> None:
    """`reason` is "unacknowledged" (nobody answered the customer in time) or "unresolved"."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] Complaint escalated (severity %(severity)s): %(subject)s") % {
            "number": ticket.number,
            "severity": complaint.severity,
            "subject": ticket.subject,
        }
        if reason == "unacknowledged":
            why = _("Nobody has answered the customer since %(opened)s.")
        else:
            why = _("The complaint is still unresolved since %(opened)s.")
        body = why % {"opened": _store_time(ticket, complaint.opened_at)} + "\n"
        body += _("Close by %(due)s.\n%(url)s\n") % {
            "due": _store_time(ticket, complaint.due_at),
            "url": ticket_url(ticket),
        }
    _send_after_commit(to=[user.email for user in recipients], subject=subject, body=body, ticket=ticket)
