"""The survey behind an invitation link: no sign-in, phone first. A GET only shows the form (mail
scanners follow links); a POST records once, then redirects to the thank-you page."""

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.core.spreadsheets import FORMATS, table_response
from aftersales.service.models import Ticket
from aftersales.service.permissions import can_manage
from aftersales.service.views.base import staff_required
from aftersales.surveys.models import RecoveryCase, SurveyItem, SurveyLink
from aftersales.surveys.recovery import recovery_outcome_record
from aftersales.surveys.selectors import PAGE_SIZE, filter_choices, filters_from, survey_results
from aftersales.surveys.services import (
    SurveyGone,
    SurveyNotFound,
    invitation_for_token,
    survey_link_issue,
    survey_link_refusal,
    survey_respond,
    survey_url,
    ticket_invitation,
)


def _no_trace(response):
    """The page's URL carries the token: never cached, never indexed, never sent to another site as a
    referrer. Same-origin rather than no-referrer: with no-referrer the browser posts the form with
    `Origin: null`, which Django's CSRF check refuses."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _unavailable(request, exc: ApplicationError):
    context = {"message": exc.message, "reason": exc.extra.get("reason", "unknown")}
    return _no_trace(render(request, "surveys/unavailable.html", context, status=exc.status_code))


def _posted_answers(request) -> dict[str, object]:
    """item id -> the posted value: a list when several were posted (multiple choice), else the one."""
    return {
        key.removeprefix("item-"): values if len(values) > 1 else values[0]
        for key, values in request.POST.lists()
        if key.startswith("item-")
    }


def _rows(items: list[SurveyItem], answers: dict, errors: dict[str, str]) -> list[dict]:
    """What the template needs per item: its field name, options, the value given and its error."""
    rows = []
    for item in items:
        value = answers.get(str(item.pk), [] if item.kind == SurveyItem.Kind.MULTIPLE else "")
        picked = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        if item.scale is not None:
            low, high = item.scale
            options = [(str(n), str(n)) for n in range(low, high + 1)]
        else:
            options = item.choice_options()
        rows.append(
            {
                "item": item,
                "name": f"item-{item.pk}",
                "options": [(v, label, v in picked) for v, label in options],
                "value": value if isinstance(value, str) else "",
                "error": errors.get(f"item-{item.pk}", ""),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    answers: dict = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        # Straight to the service, which reads and locks the invitation: the page is only read again
        # to show what was wrong.
        answers = _posted_answers(request)
        try:
            survey_respond(token=token, answers=answers)
        except (SurveyNotFound, SurveyGone) as exc:
            return _unavailable(request, exc)
        except ApplicationError as exc:
            errors = exc.extra.get("errors") or {exc.field or "": exc.message}
            status = 400
        else:
            return _no_trace(redirect("surveys:thanks"))
    try:
        invitation = invitation_for_token(token)
    except (SurveyNotFound, SurveyGone) as exc:
        return _unavailable(request, exc)
    items = list(invitation.template.items.order_by("order"))
    context = {
        "invitation": invitation,
        "ticket": invitation.ticket,
        "campaign": invitation.campaign,
        "rows": _rows(items, answers, errors),
        "errors": errors,
        "english": (translation.get_language() or "").startswith("en"),
    }
    return _no_trace(render(request, "surveys/answer.html", context, status=status))


@require_GET
def thanks(request):
    return render(request, "surveys/thanks.html")


@staff_required
@require_GET
def results(request):
    """Survey results for staff: the responses to the requests they may see, filtered and paginated;
    with `export=csv` or `export=xlsx`, every matching response (not one page) as a spreadsheet."""
    filters = filters_from(request.GET)
    responses = survey_results(user=request.user, filters=filters)
    export = request.GET.get("export")
    if export is not None:
        if export not in FORMATS:
            message = _("Unknown export format '%(format)s': use csv or xlsx.") % {"format": export[:20]}
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return table_response(export, "survey-results", result_header(), result_rows(responses))
    page = Paginator(responses, PAGE_SIZE).get_page(request.GET.get("page"))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "export_query": export_query.urlencode(),
        **filter_choices(user=request.user),
    }
    return render(request, "surveys/results.html", context)


def result_header() -> list[str]:
    """The export's column titles, translated when called: in the request's language."""
    return [
        _("Request"),
        _("Campaign"),
        _("Customer"),
        _("Answered"),
        _("Store"),
        _("Specialist"),
        "CSAT",
        "NPS",
        "CES",
        _("Comment"),
        _("Follow-up"),
        _("Outcome"),
    ]


def result_rows(responses):
    """The rows of the results table as the page shows them, in the active time zone; scores as numbers."""
    for response in responses.iterator(chunk_size=1000):
        invitation = response.invitation
        ticket, campaign = invitation.ticket, invitation.campaign
        recovery = getattr(response, "recovery", None)
        yield [
            ticket.number if ticket else "",
            campaign.name if campaign else "",
            (ticket.customer if ticket else invitation.customer).name,
            timezone.localtime(response.created_at).strftime("%Y-%m-%d %H:%M"),
            (ticket.store if ticket else invitation.customer.home_store).name,
            str(ticket.assignee or "") if ticket else "",
            response.csat,
            response.nps,
            response.ces,
            response.comment or "",
            recovery.follow_up.number if recovery else "",
            recovery.get_outcome_display() if recovery and recovery.outcome else "",
        ]


# --- staff: the survey of a request, its link on the spot, the recovery outcome -----------------------------


def _visible_ticket(request, number: str) -> Ticket:
    ticket = (
        Ticket.objects.visible_to(request.user)
        .select_related("customer", "store")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _recovery_case(ticket: Ticket) -> RecoveryCase | None:
    return RecoveryCase.objects.filter(follow_up=ticket).select_related("original", "response").first()


@staff_required
@require_GET
def ticket_panel(request, number: str):
    """The survey box of a request's detail page (loaded by htmx): the invitation's state and the way to
    its link on the spot; for a service-recovery follow-up, the outcome."""
    ticket = _visible_ticket(request, number)
    invitation = ticket_invitation(ticket)
    context = {
        "ticket": ticket,
        "invitation": invitation,
        "refusal": survey_link_refusal(ticket, invitation, now=clock.now()),
        "case": _recovery_case(ticket),
    }
    return render(request, "surveys/ticket_panel.html", context)


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (medium error correction: still reads from a scratched screen)."""
    return segno.make(url, error="m").svg_inline(scale=6, border=2, title=_("Survey link"), omitsize=True)


@staff_required
@require_http_methods(["GET", "POST"])
def ticket_link(request, number: str):
    """Show the request's survey link on the spot. A GET shows what can be done; each POST issues a new
    token (the plain token of an earlier one is not stored) and shows it once, as a QR code and as text
    to copy. Recorded: who issued which kind of link, when."""
    ticket = _visible_ticket(request, number)
    shown = None
    status = 200
    if request.method == "POST":
        try:
            link, token = survey_link_issue(
                ticket=ticket, by=request.user, channel=request.POST.get("channel", "")
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            url = survey_url(token)
            shown = {"link": link, "url": url, "qr": mark_safe(qr_svg(url))}  # noqa: S308 - segno's own SVG
    invitation = ticket_invitation(ticket)
    context = {
        "ticket": ticket,
        "invitation": invitation,
        "refusal": survey_link_refusal(ticket, invitation, now=clock.now()),
        "links": list(invitation.links.select_related("issued_by")[:20]) if invitation else [],
        "shown": shown,
        "channels": SurveyLink.Channel,
    }
    response = render(request, "surveys/ticket_link.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a token
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def recovery_outcome(request, number: str):
    """The follow-up's store manager records how the service recovery ended; others who can see the
    follow-up see the outcome."""
    ticket = _visible_ticket(request, number)
    case = _recovery_case(ticket)
    if case is None:
        raise Http404
    may_record = can_manage(request.user, ticket.store_id)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            recovery_outcome_record(
                case=case,
                by=request.user,
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
            )
        except ApplicationError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect("surveys:recovery_outcome", number=ticket.number)
    context = {
        "ticket": ticket,
        "case": case,
        "may_record": may_record,
        "outcomes": RecoveryCase.Outcome.choices,
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
    }
    return render(request, "surveys/recovery_outcome.html", context, status=status)
