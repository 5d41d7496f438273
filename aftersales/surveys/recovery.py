"""Service recovery: a low survey score opens a follow-up request for the store manager.

`recovery_open` runs inside `survey_respond`'s transaction: the response, the follow-up request, its
assignment to the store's manager and the `RecoveryCase` linking them are written together or not at
all. The follow-up is a complaint (source "survey follow-up", severity 2, so priority high) with its
own SLA, escalation and 14-day closure; the manager records how the recovery ended with
`recovery_outcome_record`."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.service import notifications
from aftersales.service.models import Ticket
from aftersales.service.models.complaints import Severity, Source
from aftersales.service.models.tickets import Status
from aftersales.service.permissions import require_manage
from aftersales.service.services.complaints import complaint_open
from aftersales.service.services.state import event_record, move_status, save_fields
from aftersales.surveys.models import RecoveryCase, SurveyAnswer, SurveyItem, SurveyResponse

NOTE_MAX_LENGTH = 2000


def csat_max() -> int:
    return int(getattr(settings, "AFTERSALES_RECOVERY_CSAT_MAX", 2))


def nps_max() -> int:
    return int(getattr(settings, "AFTERSALES_RECOVERY_NPS_MAX", 6))


def _scores(answers: list[SurveyAnswer]) -> dict[str, object]:
    """kind -> the first answer's number (scales) or text (free text)."""
    found: dict[str, object] = {}
    for answer in answers:
        kind = answer.item.kind
        value = answer.text if kind == SurveyItem.Kind.TEXT else answer.number
        if value not in (None, "") and kind not in found:
            found[kind] = value
    return found


def needs_recovery(answers: list[SurveyAnswer]) -> bool:
    scores = _scores(answers)
    csat, nps = scores.get(SurveyItem.Kind.CSAT), scores.get(SurveyItem.Kind.NPS)
    return (csat is not None and csat <= csat_max()) or (nps is not None and nps <= nps_max())


def store_manager_of(store_id: int) -> User | None:
    """The store's manager: an active store manager who is a member of the store (the first by id)."""
    return (
        User.objects.filter(is_active=True, role=Role.STORE_MANAGER, stores=store_id).order_by("pk").first()
    )


def _assign_to_manager(ticket: Ticket, manager: User) -> None:
    payload = {"assignee": manager.pk, "previous": None, "reason": "service recovery", "automatic": True}
    ticket.assignee = manager
    fields = ["assignee"]
    if ticket.status == Status.NEW:
        fields += move_status(ticket, Status.ASSIGNED, by=None, event_type="assigned", payload=payload)
    else:
        event_record(ticket=ticket, type="assigned", actor=None, payload=payload)
    save_fields(ticket, fields)
    notifications.assignment_to_specialist(ticket=ticket)


def _description(original: Ticket, scores: dict) -> str:
    lines = [
        _("Service recovery for %(number)s: the customer's survey answers.") % {"number": original.number},
        _("Satisfaction (CSAT 1–5): %(value)s") % {"value": scores.get(SurveyItem.Kind.CSAT, "–")},
        _("Recommendation (NPS 0–10): %(value)s") % {"value": scores.get(SurveyItem.Kind.NPS, "–")},
        _("Effort (CES 1–7): %(value)s") % {"value": scores.get(SurveyItem.Kind.CES, "–")},
    ]
    comment = scores.get(SurveyItem.Kind.TEXT)
    if comment:
        lines.append(_("Comment: “%(comment)s”") % {"comment": comment})
    return "\n".join(lines)


@transaction.atomic(savepoint=False)  # part of survey_respond: no savepoint of its own
def recovery_open(*, response: SurveyResponse, answers: list[SurveyAnswer]) -> RecoveryCase | None:
    """Open the follow-up of a low-scored response, or return None when the scores need none."""
    if not needs_recovery(answers):
        return None
    original = Ticket.objects.select_related("store", "customer", "asset").get(
        pk=response.invitation.ticket_id
    )
    scores = _scores(answers)
    with translation.override(settings.LANGUAGE_CODE):  # for the staff, whatever the customer's language
        description = _description(original, scores)
    subject = f"回访：{original.subject}"[:200]
    follow_up = complaint_open(
        by=None,
        store=original.store,
        customer=original.customer,
        asset=original.asset,
        channel=original.channel,
        severity=Severity.MAJOR,  # the staff raise or lower it once they have talked to the customer
        source=Source.SURVEY,
        subject=subject,
        description=description,
        auto_assign=False,
    )
    manager = store_manager_of(original.store_id)
    if manager is not None:
        _assign_to_manager(follow_up, manager)
    return RecoveryCase.objects.create(response=response, original=original, follow_up=follow_up)


@transaction.atomic
def recovery_outcome_record(*, case: RecoveryCase, by: User, outcome: str, note: str = "") -> RecoveryCase:
    """The store manager records how the recovery ended; recording again replaces the outcome."""
    case = RecoveryCase.objects.select_for_update(of=("self",)).select_related("follow_up").get(pk=case.pk)
    require_manage(by, case.follow_up.store_id)
    if outcome not in RecoveryCase.Outcome.values:
        raise ApplicationError(
            _("Unknown outcome '%(value)s': choose one of %(choices)s.")
            % {"value": outcome, "choices": ", ".join(RecoveryCase.Outcome.values)},
            field="outcome",
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            _("The note is longer than %(max)s characters.") % {"max": NOTE_MAX_LENGTH}, field="note"
        )
    case.outcome = outcome
    case.outcome_note = note
    case.closed_at = clock.now()
    case.save(update_fields=["outcome", "outcome_note", "closed_at", "updated_at"])
    return case
