"""The survey behind an invitation link: no sign-in, phone first. A GET only shows the form (mail
scanners follow links); a POST records once, then redirects to the thank-you page."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core.errors import ApplicationError
from aftersales.service.views.base import staff_required
from aftersales.surveys.models import SurveyItem
from aftersales.surveys.selectors import PAGE_SIZE, filter_choices, filters_from, survey_results
from aftersales.surveys.services import SurveyGone, SurveyNotFound, invitation_for_token, survey_respond


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


def _posted_answers(request, items: list[SurveyItem]) -> dict[str, object]:
    answers: dict[str, object] = {}
    for item in items:
        key = f"item-{item.pk}"
        answers[str(item.pk)] = (
            request.POST.getlist(key) if item.kind == SurveyItem.Kind.MULTIPLE else request.POST.get(key, "")
        )
    return answers


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
    try:
        invitation = invitation_for_token(token)
    except (SurveyNotFound, SurveyGone) as exc:
        return _unavailable(request, exc)
    items = list(invitation.template.items.order_by("order"))
    answers: dict = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        answers = _posted_answers(request, items)
        try:
            survey_respond(token=token, answers=answers)
        except (SurveyNotFound, SurveyGone) as exc:
            return _unavailable(request, exc)
        except ApplicationError as exc:
            errors = exc.extra.get("errors") or {exc.field or "": exc.message}
            status = 400
        else:
            return _no_trace(redirect("surveys:thanks"))
    context = {
        "invitation": invitation,
        "ticket": invitation.ticket,
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
    """Survey results for staff: the responses to the requests they may see, filtered and paginated."""
    filters = filters_from(request.GET)
    responses = survey_results(user=request.user, filters=filters)
    page = Paginator(responses, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, **filter_choices(user=request.user)}
    return render(request, "surveys/results.html", context)
