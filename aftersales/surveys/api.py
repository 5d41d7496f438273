"""Surveys over the API (`/api/v1/surveys/...`).

Integrations that collect answers themselves (a kiosk in the store, a WeChat mini-program that scanned
the QR code) read the questionnaire behind a survey link's token and post the answers with that token.
The token is the permission, as on the survey page: these two endpoints need no API token. A submission
is idempotent by the token: the same answers again return the first response (200, same id); other
answers for an answered invitation are 409; an expired link 410; a wrong answer 400 naming its item.

Staff list the responses to the requests and campaigns they may see, with the filters of the results page.
"""

from ninja import Query, Router, Status
from ninja.pagination import paginate

from aftersales.api.auth import current_user
from aftersales.api.pagination import PageNumberPagination
from aftersales.core.errors import NotAllowed
from aftersales.surveys.schemas import ResponseFilterIn, ResponseOut, SubmissionIn, SurveyFormOut
from aftersales.surveys.selectors import ResultFilters, survey_results
from aftersales.surveys.services import invitation_for_token, survey_submit

router = Router(tags=["surveys"])


@router.get(
    "/surveys/forms/{token}", response=SurveyFormOut, auth=None, summary="The questionnaire of a link"
)
def surveys_form(request, token: str):
    """Reads only, like opening the link: unknown token 404, answered or expired 410."""
    invitation = invitation_for_token(token)
    return {
        "request": invitation.ticket.number if invitation.ticket_id else None,
        "campaign": invitation.campaign,
        "template": invitation.template.code,
        "version": invitation.template.version,
        "expires_at": invitation.expires_at,
        "items": list(invitation.template.items.order_by("order")),
    }


@router.post(
    "/surveys/responses",
    response={200: ResponseOut, 201: ResponseOut},
    auth=None,
    summary="Submit the answers of a survey link (idempotent)",
)
def surveys_respond(request, payload: SubmissionIn):
    """201 with the new response; the same answers again: 200 with the same response. Other answers for
    an answered survey: 409 (`extra.response` is the recorded one); expired: 410; unknown token: 404;
    an out-of-range score or an unknown item: 400 naming it (`extra.field` is `item-<id>`, or `answers`
    with `extra.unknown` for item ids that are not in this survey)."""
    response, created = survey_submit(token=payload.token, answers=payload.answers)
    return Status(201 if created else 200, response)


@router.get("/surveys/responses", response=list[ResponseOut], summary="List survey responses (staff)")
@paginate(PageNumberPagination)
def surveys_responses(request, filters: Query[ResponseFilterIn]):
    """The responses to the requests and survey campaigns the caller may see, newest first."""
    user = current_user(request)
    if not user.is_staff_member:
        raise NotAllowed("Survey results are for staff.")
    return survey_results(
        user=user,
        filters=ResultFilters(
            store=filters.store,
            specialist=filters.specialist,
            product_model=filters.product_model,
            channel=filters.channel or "",
            campaign=filters.campaign,
            csat=filters.csat,
            date_from=filters.date_from,
            date_to=filters.date_to,
            q=filters.q.strip(),
        ),
    ).prefetch_related("answers__item")
