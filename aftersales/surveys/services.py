"""Writes of the surveys app: invite (after a request is resolved), dispatch the due invitations, respond.

The link carries a random token of 256 bits (`secrets.token_urlsafe(32)`); only its SHA-256 digest is
stored, so a copy of the database opens no survey. Opening the link records nothing (mail scanners
follow links); only `survey_respond` writes, once per invitation.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.core.staleness import stale_days_mark
from aftersales.service.models import Ticket, TicketEvent, Visit
from aftersales.service.models.tickets import Status
from aftersales.service.notifications import _send_after_commit
from aftersales.surveys.models import (
    SurveyAnswer,
    SurveyInvitation,
    SurveyItem,
    SurveyLink,
    SurveyResponse,
    SurveyTemplate,
)
from aftersales.surveys.recovery import recovery_open

logger = logging.getLogger(__name__)

TRANSACTIONAL = "transactional"
TEXT_MAX_LENGTH = 2000


class SurveyNotFound(ApplicationError):
    status_code = 404


class SurveyGone(ApplicationError):
    """Already answered, or expired: the link worked once and no longer does."""

    status_code = 410


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(token: str) -> str:
    return settings.SITE_URL + reverse("surveys:answer", args=[token])


def expiry_days() -> int:
    return int(getattr(settings, "AFTERSALES_SURVEY_EXPIRY_DAYS", 28))


def delay_hours() -> float:
    return float(getattr(settings, "AFTERSALES_SURVEY_DELAY_HOURS", 2))


def reminder_days() -> float:
    return float(getattr(settings, "AFTERSALES_SURVEY_REMINDER_DAYS", 3))


def lookback_days() -> int:
    """How far back the dispatch looks for resolved requests: switching surveys on must not mail every
    customer whose request was resolved years ago."""
    return int(getattr(settings, "AFTERSALES_SURVEY_LOOKBACK_DAYS", 7))


def _invitation_mail(*, ticket: Ticket, token: str, expires_at: datetime) -> None:
    email = ticket.customer.email
    if not email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] How did we do? Two minutes of your time") % {"number": ticket.number}
        body = _(
            "Your service request %(number)s at %(store)s is resolved. Please tell us how it went: "
            "three quick questions, no sign-in needed.\n\n%(url)s\n\n"
            "The link works once and until %(expires)s.\n"
        ) % {
            "number": ticket.number,
            "store": ticket.store.name,
            "url": survey_url(token),
            "expires": timezone.localdate(expires_at).isoformat(),
        }
    _send_after_commit(to=[email], subject=subject, body=body)


def _reminder_mail(*, ticket: Ticket, token: str, expires_at: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(number)s] A reminder: how did we do?") % {"number": ticket.number}
        body = _(
            "A few days ago we asked how your service request %(number)s at %(store)s went. If you have "
            "two minutes, your answer helps us improve; this is the only reminder.\n\n%(url)s\n\n"
            "The link works until %(expires)s.\n"
        ) % {
            "number": ticket.number,
            "store": ticket.store.name,
            "url": survey_url(token),
            "expires": timezone.localdate(expires_at).isoformat(),
        }
    _send_after_commit(to=[ticket.customer.email], subject=subject, body=body)


def survey_invite(
    *, ticket: Ticket, template: SurveyTemplate, mail: bool = True
) -> tuple[SurveyInvitation, str]:
    """Create the invitation of `ticket` for `template` and, with `mail`, mail its link after commit.

    Idempotent: one invitation per ticket and template. When it already exists, it is returned with an
    empty token (the raw token was never stored) and nothing is mailed again."""
    existing = SurveyInvitation.objects.filter(ticket=ticket, template=template).first()
    if existing is not None:
        return existing, ""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    mailed = mail and bool(ticket.customer.email)
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                ticket=ticket,
                template=template,
                token_digest=token_digest(token),
                sent_at=now if mailed else None,
                expires_at=now + timedelta(days=expiry_days()),
            )
            stale_days_mark([invitation.sent_at])  # KPIs place an invitation by its sending
            if mailed:
                _invitation_mail(ticket=ticket, token=token, expires_at=invitation.expires_at)
    except IntegrityError:
        # Another worker invited the same ticket at the same moment: its invitation stands.
        return SurveyInvitation.objects.get(ticket=ticket, template=template), ""
    return invitation, token


def _item_rows(items: list[dict]) -> list[SurveyItem]:
    rows = []
    for order, spec in enumerate(items, start=1):
        kind = spec.get("kind", "")
        if kind not in SurveyItem.Kind.values:
            raise ApplicationError(
                _("Item %(order)s: unknown kind '%(kind)s'.") % {"order": order, "kind": kind}, field="items"
            )
        zh, en = (spec.get("wording_zh") or "").strip(), (spec.get("wording_en") or "").strip()
        if not zh or not en:
            raise ApplicationError(
                _("Item %(order)s: give the wording in Chinese and in English.") % {"order": order},
                field="items",
            )
        choices = list(spec.get("choices") or [])
        if kind in {SurveyItem.Kind.SINGLE, SurveyItem.Kind.MULTIPLE} and (
            len(choices) < 2 or not all(isinstance(c, dict) and str(c.get("value", "")) for c in choices)
        ):
            raise ApplicationError(
                _("Item %(order)s: a choice item needs at least two choices, each with a value.")
                % {"order": order},
                field="items",
            )
        rows.append(
            SurveyItem(
                order=order,
                kind=kind,
                wording_zh=zh,
                wording_en=en,
                choices=choices,
                required=bool(spec.get("required", True)),
            )
        )
    if not rows:
        raise ApplicationError(_("A survey needs at least one item."), field="items")
    return rows


@transaction.atomic
def survey_template_revise(*, template: SurveyTemplate, items: list[dict], name: str = "") -> SurveyTemplate:
    """A template is never changed in place: the change becomes the next version of the same code, which
    becomes the active one. Invitations already sent keep the version they were sent with.

    `items`: in order, dicts with kind, wording_zh, wording_en, and optionally choices, required."""
    rows = _item_rows(items)
    versions = list(SurveyTemplate.objects.select_for_update().filter(code=template.code))
    SurveyTemplate.objects.filter(code=template.code, active=True).update(
        active=False, updated_at=clock.now()
    )
    revised = SurveyTemplate.objects.create(
        code=template.code,
        name=(name or "").strip() or template.name,
        version=max(version.version for version in versions) + 1,
        active=True,
    )
    for row in rows:
        row.template = revised
    SurveyItem.objects.bulk_create(rows)
    return revised


def active_template(code: str) -> SurveyTemplate | None:
    return SurveyTemplate.objects.filter(code=code, active=True).first()


def survey_invitations_dispatch(*, now: datetime | None = None) -> dict[str, int]:
    """Invite every request resolved at least AFTERSALES_SURVEY_DELAY_HOURS ago (and at most
    AFTERSALES_SURVEY_LOOKBACK_DAYS) that is still resolved or closed, whose customer has an email
    address and that has no survey invitation yet. Reads the `resolved` events the service app writes."""
    now = now or clock.now()
    template = active_template(TRANSACTIONAL)
    if template is None:
        logger.warning("No active %r survey template: no invitations sent", TRANSACTIONAL)
        return {"invited": 0}
    cutoff = now - timedelta(hours=delay_hours())
    ticket_ids = (
        TicketEvent.objects.filter(
            type=TicketEvent.Type.RESOLVED,
            created_at__lte=cutoff,
            created_at__gt=now - timedelta(days=lookback_days()),
            ticket__status__in=[Status.RESOLVED, Status.CLOSED],
            ticket__survey_invitations__isnull=True,
        )
        .exclude(ticket__customer__email="")
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    invited = failed = 0
    for ticket in Ticket.objects.filter(pk__in=list(ticket_ids)).select_related("customer", "store"):
        try:
            _invitation, token = survey_invite(ticket=ticket, template=template)
        except Exception:
            # One request that cannot be invited must not hold up the others; the next run retries it.
            logger.exception("Survey invitation for request %s failed", ticket.number)
            failed += 1
            continue
        invited += bool(token)
    return {"invited": invited, "failed": failed} if failed else {"invited": invited}


def survey_reminders_send(*, now: datetime | None = None) -> int:
    """Mail the one reminder of every invitation mailed at least AFTERSALES_SURVEY_REMINDER_DAYS ago that
    is neither answered, expired nor reminded yet; return how many went out.

    The plain token of the first mail is not stored, so the reminder carries a new token of the same
    invitation (a `SurveyLink` of channel email). Each invitation is claimed by compare-and-set on
    `reminded_at` in the same transaction as its link and mail: run twice, or by two workers at once,
    it still mails once; never after an answer or the expiry."""
    now = now or clock.now()
    # A campaign's invitation gets no reminder: a relationship survey asks people who merely agreed to
    # be contacted, once, without insisting (surveys/campaigns.py).
    due = SurveyInvitation.objects.filter(
        ticket__isnull=False,
        sent_at__lte=now - timedelta(days=reminder_days()),
        reminded_at__isnull=True,
        answered_at__isnull=True,
        expires_at__gt=now,
    ).exclude(ticket__customer__email="")
    reminded = 0
    for invitation in due.select_related("ticket__customer", "ticket__store").order_by("pk"):
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            claimed = SurveyInvitation.objects.filter(
                pk=invitation.pk, reminded_at__isnull=True, answered_at__isnull=True
            ).update(reminded_at=now, updated_at=now)
            if not claimed:
                continue  # answered or reminded since the list was read
            SurveyLink.objects.create(
                invitation=invitation, token_digest=token_digest(token), channel=SurveyLink.Channel.EMAIL
            )
            _reminder_mail(ticket=invitation.ticket, token=token, expires_at=invitation.expires_at)
        reminded += 1
    return reminded


def survey_dispatch(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: new invitations, then the due reminders."""
    now = now or clock.now()
    return {**survey_invitations_dispatch(now=now), "reminded": survey_reminders_send(now=now)}


class SurveyLinkRefused(ApplicationError):
    """No link can be shown for this request (not finished, no consent, answered, expired)."""

    status_code = 409


def ticket_invitation(ticket: Ticket) -> SurveyInvitation | None:
    """The request's transactional survey invitation, if it has one (the newest)."""
    return (
        SurveyInvitation.objects.filter(ticket=ticket, template__code=TRANSACTIONAL)
        .select_related("template")
        .order_by("-created_at", "-pk")
        .first()
    )


def survey_link_refusal(ticket: Ticket, invitation: SurveyInvitation | None, *, now: datetime) -> str:
    """Why no survey link can be shown for `ticket` now, or "" when one can."""
    if invitation is not None:
        if invitation.answered_at is not None:
            return _("The customer has already answered the survey of this request.")
        if now >= invitation.expires_at:
            return _("The survey of this request has expired.")
        return ""
    finished = (
        ticket.status in (Status.RESOLVED, Status.CLOSED)
        or ticket.visits.filter(status=Visit.Status.COMPLETED).exists()
    )
    if not finished:
        return _("A survey link can be shown once a visit is completed or the request is resolved.")
    if not ticket.customer.consent_to_contact:
        return _("The customer has not consented to be contacted: no survey.")
    if active_template(TRANSACTIONAL) is None:
        return _("There is no active survey template.")
    return ""


@transaction.atomic
def survey_link_issue(*, ticket: Ticket, by: User, channel: str) -> tuple[SurveyLink, str]:
    """A new token of the request's survey invitation, for staff to show on the spot as a QR code or to
    copy into an SMS or a WeChat message; returns the link row (who issued it, when, how) and the plain
    token, which exists only in this answer. Without an invitation yet, one is created on the spot (not
    mailed) when a visit is completed or the request resolved and the customer consented to be
    contacted. Every token opens the same invitation, answered once."""
    if not by.is_staff_member or not Ticket.objects.visible_to(by).filter(pk=ticket.pk).exists():
        raise NotAllowed(_("Only staff who can see this request may show its survey link."))
    if channel not in (SurveyLink.Channel.QR, SurveyLink.Channel.COPY):
        raise ApplicationError(
            _("Unknown channel '%(value)s': choose qr or copy.") % {"value": channel}, field="channel"
        )
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket.pk)
    invitation = ticket_invitation(ticket)
    refusal = survey_link_refusal(ticket, invitation, now=clock.now())
    if refusal:
        raise SurveyLinkRefused(refusal)
    if invitation is None:
        # The invitation's own token is never mailed nor shown here: only the link's token is known.
        invitation, _token = survey_invite(ticket=ticket, template=active_template(TRANSACTIONAL), mail=False)
    token = secrets.token_urlsafe(32)
    link = SurveyLink.objects.create(
        invitation=invitation, token_digest=token_digest(token), channel=channel, issued_by=by
    )
    return link, token


def _invitation_by_token(token: str, *, lock: bool = False) -> SurveyInvitation | None:
    """The invitation whose first (mailed) token or any later link is `token`: two indexed lookups at
    most, the second only for a token that is not the invitation's own. With `lock`, its row is locked
    until the end of the transaction."""
    digest = token_digest(token or "")
    invitations = SurveyInvitation.objects.select_related("template", "ticket", "ticket__store", "campaign")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_digest=digest).first()
    if invitation is None:
        invitation = invitations.filter(links__token_digest=digest).first()
    return invitation


def invitation_for_token(token: str, *, now: datetime | None = None, lock: bool = False) -> SurveyInvitation:
    """The invitation behind a link, for showing its form; reads only.

    Raises SurveyNotFound for an unknown token, SurveyGone when answered or expired."""
    invitation = _invitation_by_token(token, lock=lock)
    if invitation is None:
        raise SurveyNotFound(_("This survey link is not valid. Check that you copied the whole link."))
    _require_open(invitation, now=now or clock.now())
    return invitation


def _require_open(invitation: SurveyInvitation, *, now: datetime) -> None:
    if invitation.answered_at is not None:
        raise SurveyGone(_("This survey has already been answered. Thank you!"), extra={"reason": "answered"})
    if now >= invitation.expires_at:
        raise SurveyGone(_("This survey link has expired."), extra={"reason": "expired"})


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _clean(item: SurveyItem, value) -> dict:
    """The answer's columns for `value`, or ApplicationError with a message naming the item."""
    wording = item.wording
    if item.scale is not None:
        low, high = item.scale
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ApplicationError(
                _("“%(item)s”: choose a value from %(low)s to %(high)s.")
                % {"item": wording, "low": low, "high": high}
            )
        return {"number": number}
    if item.kind == SurveyItem.Kind.TEXT:
        text = str(value).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise ApplicationError(
                _("“%(item)s”: at most %(max)s characters, please.")
                % {"item": wording, "max": TEXT_MAX_LENGTH}
            )
        return {"text": text}
    allowed = {str(choice["value"]) for choice in item.choices}
    picked = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if any(v not in allowed for v in picked) or (item.kind == SurveyItem.Kind.SINGLE and len(picked) != 1):
        raise ApplicationError(_("“%(item)s”: choose one of the options offered.") % {"item": wording})
    return {"choices": sorted(set(picked))}


def _answer_rows(items: list[SurveyItem], answers: dict) -> list[SurveyAnswer]:
    """The unsaved answer rows of `answers` (item id -> value) to `items`, or ApplicationError naming
    every wrong item: `extra["errors"]` by field `item-<id>`, the first one as message and field."""
    given = {str(key): value for key, value in (answers or {}).items()}
    unknown = sorted(set(given) - {str(item.pk) for item in items})
    if unknown:
        raise ApplicationError(
            _("Unknown items %(items)s: these answers do not belong to this survey.")
            % {"items": ", ".join(unknown)},
            field="answers",
            extra={"unknown": unknown},
        )
    errors: dict[str, str] = {}
    rows = []
    for item in items:
        value = given.get(str(item.pk))
        if _blank(value):
            if item.required:
                errors[f"item-{item.pk}"] = _("“%(item)s” needs an answer.") % {"item": item.wording}
            continue
        try:
            rows.append(SurveyAnswer(item=item, **_clean(item, value)))
        except ApplicationError as exc:
            errors[f"item-{item.pk}"] = exc.message
    if errors:
        field, message = next(iter(errors.items()))
        raise ApplicationError(message, field=field, extra={"errors": errors})
    return rows


def survey_respond(*, token: str, answers: dict, now: datetime | None = None) -> SurveyResponse:
    """Record the answers to the survey behind `token`, once.

    `answers` maps item ids (int or str) to a value: a number for scales, text, or choice value(s).
    Every error names its item; `extra["errors"]` holds all of them by field `item-<id>`, the first one
    is the error's message and field. A second submission, an expired or an unknown link records nothing.
    """
    now = now or clock.now()
    with transaction.atomic():
        # Locked: of two submissions at once, the second waits, then sees answered_at and is refused.
        invitation = invitation_for_token(token, now=now, lock=True)
        rows = _answer_rows(list(invitation.template.items.order_by("order")), answers)
        response = SurveyResponse.objects.create(
            invitation=invitation, language=translation.get_language() or ""
        )
        for row in rows:
            row.response = response
        SurveyAnswer.objects.bulk_create(rows)
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at", "updated_at"])
        # Answers are placed by the response, the invitation (now answered) by its sending.
        stale_days_mark([response.created_at, invitation.sent_at])
        response.invitation = invitation
        if invitation.ticket_id is not None:  # a campaign's answer opens no follow-up: see campaigns.py
            recovery_open(response=response, answers=rows)
    return response


class SurveyAnsweredDifferently(ApplicationError):
    """A submission for an invitation that was answered with other answers."""

    status_code = 409


def _answer_key(row: SurveyAnswer) -> tuple:
    return (row.item_id, row.number, tuple(row.choices or ()), row.text)


def survey_submit(*, token: str, answers: dict, now: datetime | None = None) -> tuple[SurveyResponse, bool]:
    """`survey_respond` for integrations (a kiosk, a mini-program), idempotent by the token: returns
    (response, created). The same answers sent again return the first response, whether the invitation
    has expired since or not; other answers for an answered invitation are refused (409), and nothing is
    ever recorded twice. Unknown token 404, expired 410, a wrong answer 400 naming its item."""
    invitation = _invitation_by_token(token)
    if invitation is None:
        raise SurveyNotFound(_("This survey link is not valid. Check that you copied the whole link."))
    if invitation.answered_at is None:
        try:
            return survey_respond(token=token, answers=answers, now=now), True
        except SurveyGone as exc:
            if exc.extra.get("reason") != "answered":
                raise
            # answered by a submission that ran at the same moment: compare with it
    return _replay(invitation, answers), False


def _replay(invitation: SurveyInvitation, answers: dict) -> SurveyResponse:
    response = SurveyResponse.objects.select_related("invitation").get(invitation=invitation)
    items = list(invitation.template.items.order_by("order"))
    try:
        given = sorted(_answer_key(row) for row in _answer_rows(items, answers))
    except ApplicationError:
        given = None
    stored = sorted(_answer_key(row) for row in response.answers.all())
    if given != stored:
        raise SurveyAnsweredDifferently(
            _("This survey has already been answered, with other answers: the first answers stand."),
            field="answers",
            extra={"response": response.pk},
        )
    return response
