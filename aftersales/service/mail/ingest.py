"""`mail_ingest(raw=...)`: one inbound email becomes a new request, a customer reply on its request, a
logged drop (automatic reply, bounce, loop) or a quarantined message with its raw bytes. Nothing is
ever lost: anything that cannot be processed is kept in quarantine for an administrator.

Settings (config/settings.py, each from the environment variable of the same name, README
"Configuration"):

- `AFTERSALES_MAIL_UNKNOWN_SENDER`: "create" (default) registers a new customer from the sender's
  address and display name; "quarantine" keeps the message for an administrator instead.
- `AFTERSALES_MAIL_DEFAULT_STORE`: store code for new customers (default: the first store by code).
- `AFTERSALES_MAIL_MAX_BYTES` (25 MiB): a larger message is quarantined with its raw bytes without
  being parsed.
- `AFTERSALES_MAIL_LOOP_LIMIT` / `AFTERSALES_MAIL_LOOP_MINUTES`: more than 5 messages from one
  sender in 10 minutes is taken for a mail loop.

The sender address is data, not authentication: a reply threads only onto a request of the customer
whose address it came from; anything else is quarantined."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from aftersales.accounts.models import Store
from aftersales.core import clock
from aftersales.customers.models import Customer
from aftersales.customers.services import customer_create
from aftersales.service.mail import conversation, parse
from aftersales.service.models import Attachment, Comment, InboundMessage, Ticket, TicketEvent
from aftersales.service.models.tickets import Channel, Status
from aftersales.service.services.attachments import sniff_content_type
from aftersales.service.services.state import event_record, lock_ticket, move_status, save_fields
from aftersales.service.services.tickets import ticket_register

logger = logging.getLogger(__name__)
Outcome = InboundMessage.Outcome
Event = TicketEvent.Type
DUPLICATE = "duplicate"

DROP_OUTCOMES = {
    parse.AUTO_REPLY: Outcome.DROPPED_AUTO_REPLY,
    parse.BOUNCE: Outcome.DROPPED_BOUNCE,
    parse.LOOP: Outcome.DROPPED_LOOP,
}


@dataclass
class IngestResult:
    outcome: str  # an InboundMessage.Outcome, or "duplicate" for a Message-ID seen before
    message: InboundMessage
    ticket: Ticket | None = None
    reason: str = ""


class Quarantine(Exception):
    """The message is well-formed but must wait for a person (unknown sender, foreign reply, …)."""


def mail_ingest(*, raw: bytes) -> IngestResult:
    """Idempotent by Message-ID (or by a digest of the bytes when there is none): a message seen
    before, whatever became of it, is a duplicate and changes nothing."""
    limit = settings.AFTERSALES_MAIL_MAX_BYTES
    if len(raw) > limit:
        return _quarantine_unparsed(
            raw, f"message of {len(raw)} bytes is larger than the limit of {limit} bytes (not parsed)"
        )
    try:
        mail = parse.parse_mail(raw)
    except parse.MailParseError as exc:
        return _quarantine_unparsed(raw, str(exc))
    if (seen := _seen(mail.message_id)) is not None:
        return seen
    try:
        with transaction.atomic():
            return _process(mail)
    except Quarantine as exc:
        return _quarantine(raw, mail, str(exc))
    except IntegrityError:
        if (seen := _seen(mail.message_id)) is not None:  # the same message delivered twice at once
            return seen
        logger.exception("mail %s failed", mail.message_id)
        return _quarantine(raw, mail, "database error")
    except Exception as exc:  # noqa: BLE001 - never lose a message: keep it for an administrator
        logger.exception("mail %s failed", mail.message_id)
        return _quarantine(raw, mail, f"{type(exc).__name__}: {exc}")


def _seen(message_id: str) -> IngestResult | None:
    # Unordered, no join: asked once per message and almost always empty.
    seen = InboundMessage.objects.filter(message_id=message_id).order_by().first()
    if seen is None:
        return None
    logger.info("mail %s seen before (%s): ignored", message_id, seen.outcome)
    return IngestResult(outcome=DUPLICATE, message=seen, ticket=seen.ticket, reason="duplicate Message-ID")


def _quarantine_unparsed(raw: bytes, reason: str) -> IngestResult:
    """A message that is not parsed (too large, or unreadable) is kept with what its headers say."""
    headers = parse.best_effort_headers(raw)
    if (seen := _seen(headers["Message-ID"])) is not None:
        return seen
    return _quarantine(raw, None, reason, headers=headers)


def _record(mail: parse.ParsedMail, *, outcome: str, ticket: Ticket | None = None, reason: str = ""):
    return InboundMessage.objects.create(
        message_id=mail.message_id,
        in_reply_to=" ".join(mail.in_reply_to)[:255],
        references=" ".join(mail.references),
        from_address=mail.from_address,
        subject=mail.subject[:300],
        received_at=clock.now(),
        ticket=ticket,
        outcome=outcome,
        reason=reason,
    )


def _quarantine(
    raw: bytes, mail: parse.ParsedMail | None, reason: str, *, headers: dict[str, str] | None = None
) -> IngestResult:
    if mail is not None:
        message_id, sender, subject = mail.message_id, mail.from_address, mail.subject
    else:
        message_id, sender, subject = (
            headers["Message-ID"],
            headers.get("From", ""),
            headers.get("Subject", ""),
        )
    if InboundMessage.objects.filter(message_id=message_id).exists():
        message_id = parse.raw_message_id(raw + secrets.token_bytes(8))
    message = InboundMessage.objects.create(
        message_id=message_id,
        in_reply_to=" ".join(mail.in_reply_to)[:255] if mail else "",
        references=" ".join(mail.references) if mail else "",
        from_address=sender[:254],
        subject=subject[:300],
        received_at=clock.now(),
        outcome=Outcome.QUARANTINED,
        reason=reason,
        raw=raw,
    )
    logger.warning("mail %s quarantined: %s", message_id, reason)
    return IngestResult(outcome=Outcome.QUARANTINED, message=message, reason=reason)


def _drop(mail: parse.ParsedMail, outcome: str, reason: str) -> IngestResult:
    message = _record(mail, outcome=outcome, reason=reason)
    logger.info("mail %s from %s dropped: %s", mail.message_id, mail.from_address, reason)
    return IngestResult(outcome=outcome, message=message, reason=reason)


def _process(mail: parse.ParsedMail) -> IngestResult:
    if mail.kind != parse.NORMAL:
        return _drop(mail, DROP_OUTCOMES[mail.kind], mail.reason)
    limit = settings.AFTERSALES_MAIL_LOOP_LIMIT
    minutes = settings.AFTERSALES_MAIL_LOOP_MINUTES
    recent = InboundMessage.objects.filter(
        from_address=mail.from_address, received_at__gte=clock.now() - timedelta(minutes=minutes)
    ).count()
    if recent >= limit:
        return _drop(
            mail,
            Outcome.DROPPED_LOOP,
            f"more than {limit} messages from {mail.from_address} in {minutes} minutes",
        )
    ticket = _thread_target(mail)
    if ticket is not None:
        return _thread(mail, ticket)
    return _create(mail)


def _thread_target(mail: parse.ParsedMail) -> Ticket | None:
    ticket = None
    if mail.thread_ids:
        parent = (
            InboundMessage.objects.filter(message_id__in=mail.thread_ids, ticket__isnull=False)
            .select_related("ticket")
            .order_by("-received_at", "-id")
            .first()
        )
        ticket = parent.ticket if parent else None
    if ticket is None and (number := conversation.number_from_message_ids(mail.thread_ids)):
        ticket = Ticket.objects.filter(number=number).first()
    if ticket is None and (number := parse.ticket_number_in(mail.subject)):
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise Quarantine(f"no request {number}")
    if ticket is None:
        return None
    if (ticket.customer.email or "").strip().lower() != mail.from_address:
        raise Quarantine(f"{mail.from_address} is not the customer of {ticket.number}")
    if ticket.status in {Status.CLOSED, Status.CANCELLED}:
        raise Quarantine(f"{ticket.number} is {ticket.status}")
    return ticket


def _screen_attachments(mail: parse.ParsedMail) -> tuple[list[tuple[str, bytes, str]], list[str]]:
    """The attachments within the foundation's size and type limits, and a note for each skipped one."""
    accepted, notes = [], []
    for part in mail.attachments:
        name = PurePath(part.filename.replace("\\", "/")).name[:200] or "attachment"
        if not part.content:
            notes.append(_("Attachment '%(name)s' was skipped: it is empty.") % {"name": name})
            continue
        if len(part.content) > settings.ATTACHMENT_MAX_BYTES:
            notes.append(
                _("Attachment '%(name)s' was skipped: it is larger than %(limit)s.")
                % {"name": name, "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
            )
            continue
        content_type = sniff_content_type(part.content[:16], name)
        if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
            notes.append(_("Attachment '%(name)s' was skipped: not an allowed file type.") % {"name": name})
            continue
        accepted.append((name, part.content, content_type))
    return accepted, notes


def _with_notes(body: str, notes: list[str]) -> str:
    return "\n\n".join(filter(None, [body.strip(), "\n".join(notes)]))


def _store_attachments(ticket: Ticket, accepted: list[tuple[str, bytes, str]]) -> None:
    for name, content, content_type in accepted:
        attachment = Attachment(
            ticket=ticket,
            uploaded_by=None,
            storage_key=secrets.token_hex(16),
            filename=name,
            content_type=content_type,
            size=len(content),
        )
        attachment.file.save(attachment.storage_key, ContentFile(content), save=False)
        attachment.save()
        event_record(
            ticket=ticket,
            type=Event.ATTACHMENT_ADDED,
            actor=None,
            payload={"attachment": attachment.pk, "name": name, "channel": Channel.EMAIL},
        )


def _thread(mail: parse.ParsedMail, ticket: Ticket) -> IngestResult:
    """The customer's reply by email: a customer comment, and a request waiting on them moves again."""
    ticket = lock_ticket(ticket)
    accepted, notes = _screen_attachments(mail)
    body = _with_notes(parse.strip_quoted(mail.body), notes) or _("(empty message)")
    comment = Comment.objects.create(
        ticket=ticket, author=ticket.customer.user, body=body, from_customer=True
    )
    event_record(
        ticket=ticket,
        type=Event.CUSTOMER_REPLIED,
        actor=None,
        payload={"comment": comment.pk, "channel": Channel.EMAIL, "message_id": mail.message_id},
    )
    _store_attachments(ticket, accepted)
    if ticket.status == Status.PENDING_CUSTOMER:
        save_fields(ticket, move_status(ticket, Status.IN_PROGRESS, by=None, event_type=Event.STATUS_CHANGED))
    message = _record(mail, outcome=Outcome.THREADED, ticket=ticket)
    return IngestResult(outcome=Outcome.THREADED, message=message, ticket=ticket)


def _default_store() -> Store:
    code = settings.AFTERSALES_MAIL_DEFAULT_STORE
    stores = Store.objects.order_by("code")
    store = stores.filter(code=code).first() if code else stores.first()
    if store is None:
        raise Quarantine(f"no store {code!r} for new customers" if code else "no store for new customers")
    return store


def _customer_for(mail: parse.ParsedMail) -> Customer:
    customer = Customer.objects.with_email(mail.from_address).order_by("pk").first()
    if customer is not None:
        return customer
    if settings.AFTERSALES_MAIL_UNKNOWN_SENDER != "create":
        raise Quarantine(f"unknown sender {mail.from_address}")
    name = mail.from_name or mail.from_address.split("@", 1)[0]
    return customer_create(name=name[:200], home_store=_default_store(), email=mail.from_address)


def _create(mail: parse.ParsedMail) -> IngestResult:
    customer = _customer_for(mail)
    accepted, notes = _screen_attachments(mail)
    ticket = ticket_register(
        by=None,
        store=customer.home_store,
        customer=customer,
        channel=Channel.EMAIL,
        subject=mail.subject.strip()[:200] or _("(no subject)"),
        description=_with_notes(mail.body, notes),
    )
    _store_attachments(ticket, accepted)
    message = _record(mail, outcome=Outcome.CREATED, ticket=ticket)
    logger.info("mail %s from %s registered %s", mail.message_id, mail.from_address, ticket.number)
    return IngestResult(outcome=Outcome.CREATED, message=message, ticket=ticket)
