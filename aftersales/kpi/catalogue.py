"""The KPI registry: every dataset, measure and KPI of the product, in one readable list by family.

Each KPI names the section of `reference/kpi-definitions.md` its formula comes from, and where the
reference offers variants, `variant` says which one is the default here and why. Ratios are stored as
fractions (0–1) and shown ×100 (§0.8); targets are in the stored unit. `kpi.checks` validates this file
at start-up (codes, fields, paths, units, expression inputs).

Datasets read a model by one attribution timestamp (§0.2); service requests are read twice: by
registration (response KPIs, volumes) and by resolution (MTTR, first-time-right, FCR).
"""

from datetime import timedelta

from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from aftersales.kpi.business import DEALER_KPIS, ENTERPRISE_KPIS, QUALITY_KPIS
from aftersales.kpi.semantic import (
    Aggregation,
    Catalogue,
    Censor,
    Dataset,
    Direction,
    Family,
    Kpi,
    Measure,
    Unit,
)
from aftersales.service.models import Ticket, TicketEvent

# --- datasets -------------------------------------------------------------------------------------------

# Breakdown dimension -> ORM path from a service request.
REQUEST_DIMENSIONS = {
    "store": "store__code",
    "region": "store__region",
    "department": "assignee__department__name",
    "specialist": "assignee__username",
    "product_category": "asset__product_model__category__code",
    "channel": "channel",
    "kind": "kind",
    "priority": "priority",
    "customer_tier": "customer__tier",
    "fault_category": "fault_category__code",
    "product_model": "asset__product_model__code",
}


def _through(ticket_path: str) -> dict[str, str]:
    """The request dimensions of a dataset whose rows reach their request by `ticket_path`."""
    return {name: f"{ticket_path}__{path}" for name, path in REQUEST_DIMENSIONS.items()}


REQUESTS = Dataset(
    code="requests",
    model="service.Ticket",
    time_field="created_at",
    ticket_path="",
    dimensions=REQUEST_DIMENSIONS,
    description="service requests, placed in the period they were registered in",
)
RESOLUTIONS = Dataset(
    code="resolutions",
    model="service.Ticket",
    time_field="resolved_at",
    ticket_path="",
    dimensions=REQUEST_DIMENSIONS,
    description="service requests, placed in the period of their (last) resolution",
)
COMPLAINTS = Dataset(
    code="complaints",
    model="service.Complaint",
    time_field="opened_at",
    ticket_path="ticket",
    dimensions=_through("ticket"),
    description="complaint records, placed in the period they were opened in",
)
SURVEY_ANSWERS = Dataset(
    code="survey_answers",
    model="surveys.SurveyAnswer",
    time_field="response__created_at",
    ticket_path="response__invitation__ticket",
    dimensions=_through("response__invitation__ticket"),
    description="answers to survey items, placed in the period the customer answered in",
)
SURVEY_INVITATIONS = Dataset(
    code="survey_invitations",
    model="surveys.SurveyInvitation",
    time_field="sent_at",
    ticket_path="ticket",
    dimensions=_through("ticket"),
    description="survey invitations, placed in the period they were sent in",
)

# --- shared conditions ----------------------------------------------------------------------------------

REOPEN_WINDOW = timedelta(days=30)  # as AFTERSALES_REOPEN_WINDOW_DAYS: a reopen is possible this long
REPEAT_WINDOW = timedelta(days=30)  # FTF / repeat repair: a return within 30 days of the resolution
CHURN_WINDOW = timedelta(days=183)  # "not returned in the following 6 months" (§3b)
DAY = timedelta(hours=24)

NOT_CANCELLED = ~Q(status="cancelled")
ANSWERED = Q(first_response_at__isnull=False)
# Another request for the same asset and fault category registered within 30 days of the resolution.
SAME_FAULT_RETURNED = Exists(
    Ticket.objects.filter(
        asset=OuterRef("asset"),
        fault_category=OuterRef("fault_category"),
        created_at__gt=OuterRef("resolved_at"),
        created_at__lte=OuterRef("resolved_at") + REPEAT_WINDOW,
    )
    .exclude(status="cancelled")
    .exclude(pk=OuterRef("pk"))
)
# The customer wrote again before the request was resolved: it was not solved at first contact.
CUSTOMER_FOLLOWED_UP = Exists(
    TicketEvent.objects.filter(
        ticket=OuterRef("pk"), type=TicketEvent.Type.CUSTOMER_REPLIED, created_at__lte=OuterRef("resolved_at")
    )
)
# The same customer registered another request within six months after this one.
CUSTOMER_CAME_BACK = Exists(
    Ticket.objects.filter(
        customer=OuterRef("customer"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + CHURN_WINDOW,
    ).exclude(status="cancelled")
)

# --- measures: requests by registration -----------------------------------------------------------------

received = Measure("received", REQUESTS, Aggregation.COUNT)
complaints_received = Measure("complaints_received", REQUESTS, Aggregation.COUNT, filter=Q(kind="complaint"))
repairs_received = Measure("repairs_received", REQUESTS, Aggregation.COUNT, filter=Q(kind="repair"))

# An unanswered request counts once its 24 hours are over (a breach); an answered one at once. A request
# cancelled before anyone answered it is left out.
RESPONSE_24H_KNOWN = Censor("created_at", DAY, known=ANSWERED)
response_24h_judged = Measure(
    "response_24h_judged",
    REQUESTS,
    Aggregation.COUNT,
    filter=ANSWERED | NOT_CANCELLED,
    censor=RESPONSE_24H_KNOWN,
)
response_24h_met = Measure(
    "response_24h_met",
    REQUESTS,
    Aggregation.COUNT,
    filter=Q(first_response_minutes__lte=24 * 60),
    censor=RESPONSE_24H_KNOWN,
)


def _first_response(code: str, field: str, aggregation: Aggregation, percentile: float | None = None):
    return Measure(code, REQUESTS, aggregation, field=field, filter=ANSWERED, percentile=percentile)


first_response_avg = _first_response("first_response_avg", "first_response_minutes", Aggregation.AVG)
first_response_p50 = _first_response(
    "first_response_p50", "first_response_minutes", Aggregation.PERCENTILE, 0.5
)
first_response_p90 = _first_response(
    "first_response_p90", "first_response_minutes", Aggregation.PERCENTILE, 0.9
)
first_response_business_avg = _first_response(
    "first_response_business_avg", "first_response_business_minutes", Aggregation.AVG
)
first_response_business_p50 = _first_response(
    "first_response_business_p50", "first_response_business_minutes", Aggregation.PERCENTILE, 0.5
)
first_response_business_p90 = _first_response(
    "first_response_business_p90", "first_response_business_minutes", Aggregation.PERCENTILE, 0.9
)

# SLA targets: achieved or breached is known once answered/resolved, or once the deadline has passed.
HAS_RESPONSE_TARGET = Q(response_due_at__isnull=False)
HAS_RESOLUTION_TARGET = Q(resolution_due_at__isnull=False)
RESPONSE_TARGET_KNOWN = Censor("response_due_at", known=ANSWERED | Q(response_breached=True))
RESOLUTION_TARGET_KNOWN = Censor(
    "resolution_due_at", known=Q(resolved_at__isnull=False) | Q(resolution_breached=True)
)
sla_response_completed = Measure(
    "sla_response_completed",
    REQUESTS,
    Aggregation.COUNT,
    filter=HAS_RESPONSE_TARGET,
    censor=RESPONSE_TARGET_KNOWN,
)
sla_response_achieved = Measure(
    "sla_response_achieved",
    REQUESTS,
    Aggregation.COUNT,
    filter=HAS_RESPONSE_TARGET & ANSWERED & Q(response_breached=False),
    censor=RESPONSE_TARGET_KNOWN,
)
sla_resolution_completed = Measure(
    "sla_resolution_completed",
    REQUESTS,
    Aggregation.COUNT,
    filter=HAS_RESOLUTION_TARGET,
    censor=RESOLUTION_TARGET_KNOWN,
)
sla_resolution_achieved = Measure(
    "sla_resolution_achieved",
    REQUESTS,
    Aggregation.COUNT,
    filter=HAS_RESOLUTION_TARGET & Q(resolved_at__isnull=False, resolution_breached=False),
    censor=RESOLUTION_TARGET_KNOWN,
)

# Churn cohort: the customers with a request in the period whose six months after it are over.
CHURN_KNOWN = Censor("created_at", CHURN_WINDOW)
customers_served = Measure(
    "customers_served",
    REQUESTS,
    Aggregation.COUNT_DISTINCT,
    field="customer",
    filter=NOT_CANCELLED,
    censor=CHURN_KNOWN,
)
customers_lost = Measure(
    "customers_lost",
    REQUESTS,
    Aggregation.COUNT_DISTINCT,
    field="customer",
    filter=NOT_CANCELLED & ~CUSTOMER_CAME_BACK,
    censor=CHURN_KNOWN,
)

# --- measures: requests by resolution -------------------------------------------------------------------

resolved = Measure("resolved", RESOLUTIONS, Aggregation.COUNT)
resolved_service = Measure("resolved_service", RESOLUTIONS, Aggregation.COUNT, filter=~Q(kind="complaint"))
resolution_avg = Measure("resolution_avg", RESOLUTIONS, Aggregation.AVG, field="resolution_minutes")
resolution_business_avg = Measure(
    "resolution_business_avg", RESOLUTIONS, Aggregation.AVG, field="resolution_business_minutes"
)
resolved_first_contact = Measure(
    "resolved_first_contact", RESOLUTIONS, Aggregation.COUNT, filter=~CUSTOMER_FOLLOWED_UP
)

# Resolved at least 30 days ago: no reopen (possible for 30 days) and no repeat can still come.
RESOLUTION_SETTLED = Censor("resolved_at", REPEAT_WINDOW)
resolved_settled = Measure("resolved_settled", RESOLUTIONS, Aggregation.COUNT, censor=RESOLUTION_SETTLED)
resolved_right_first_time = Measure(
    "resolved_right_first_time",
    RESOLUTIONS,
    Aggregation.COUNT,
    filter=Q(reopen_count=0) & ~SAME_FAULT_RETURNED,
    censor=RESOLUTION_SETTLED,
)
resolved_reopened = Measure(
    "resolved_reopened",
    RESOLUTIONS,
    Aggregation.COUNT,
    filter=Q(reopen_count__gte=1),
    censor=RESOLUTION_SETTLED,
)
REPAIR_OF_ASSET = Q(kind="repair", asset__isnull=False)
repairs_settled = Measure(
    "repairs_settled", RESOLUTIONS, Aggregation.COUNT, filter=REPAIR_OF_ASSET, censor=RESOLUTION_SETTLED
)
repairs_returned = Measure(
    "repairs_returned",
    RESOLUTIONS,
    Aggregation.COUNT,
    filter=REPAIR_OF_ASSET & SAME_FAULT_RETURNED,
    censor=RESOLUTION_SETTLED,
)

# --- measures: complaints -----------------------------------------------------------------------------

# A complaint counts once closed, or once open past its closure date (14 days by default); one withdrawn
# (its request cancelled) before closure is never overdue and is left out.
COMPLAINT_SETTLED = Censor("due_at", known=Q(closed_at__isnull=False))
NOT_WITHDRAWN = ~Q(ticket__status="cancelled", closed_at__isnull=True)
complaints_settled = Measure(
    "complaints_settled", COMPLAINTS, Aggregation.COUNT, filter=NOT_WITHDRAWN, censor=COMPLAINT_SETTLED
)
complaints_closed_in_time = Measure(
    "complaints_closed_in_time",
    COMPLAINTS,
    Aggregation.COUNT,
    filter=Q(closed_within_due=True),
    censor=COMPLAINT_SETTLED,
)

# --- measures: surveys ----------------------------------------------------------------------------------


def _answered(kind: str) -> Q:
    return Q(item__kind=kind, number__isnull=False)


csat_answers = Measure("csat_answers", SURVEY_ANSWERS, Aggregation.COUNT, filter=_answered("csat"))
csat_top2 = Measure(
    "csat_top2", SURVEY_ANSWERS, Aggregation.COUNT, filter=_answered("csat") & Q(number__gte=4)
)
csat_avg = Measure("csat_avg", SURVEY_ANSWERS, Aggregation.AVG, field="number", filter=_answered("csat"))
nps_answers = Measure("nps_answers", SURVEY_ANSWERS, Aggregation.COUNT, filter=_answered("nps"))
# +1 per promoter (9–10), −1 per detractor (0–6), 0 per passive: Σ / n is the NPS as a fraction.
nps_net = Measure(
    "nps_net",
    SURVEY_ANSWERS,
    Aggregation.SUM,
    field=Case(When(number__gte=9, then=Value(1)), When(number__lte=6, then=Value(-1)), default=Value(0)),
    filter=_answered("nps"),
)
ces_answers = Measure("ces_answers", SURVEY_ANSWERS, Aggregation.COUNT, filter=_answered("ces"))
ces_agree = Measure(
    "ces_agree", SURVEY_ANSWERS, Aggregation.COUNT, filter=_answered("ces") & Q(number__gte=5)
)
ces_avg = Measure("ces_avg", SURVEY_ANSWERS, Aggregation.AVG, field="number", filter=_answered("ces"))

# An invitation counts once answered or expired.
INVITATION_SETTLED = Censor("expires_at", known=Q(answered_at__isnull=False))
invitations_settled = Measure(
    "invitations_settled", SURVEY_INVITATIONS, Aggregation.COUNT, censor=INVITATION_SETTLED
)
invitations_answered = Measure(
    "invitations_answered",
    SURVEY_INVITATIONS,
    Aggregation.COUNT,
    filter=Q(answered_at__isnull=False),
    censor=INVITATION_SETTLED,
)

# --- KPIs -----------------------------------------------------------------------------------------------

SMALL_SAMPLE = 30  # §0.5: survey KPIs below this n are flagged
MINUTES_TO_HOURS = 1 / 60

SURVEY_KPIS = (
    Kpi(
        code="csat_t2b",
        name_zh="客户满意率（前两项）",
        name_en="CSAT (top-2-box)",
        family=Family.SURVEY,
        reference="kpi-definitions §1, §2.1",
        formula=_("count(CSAT answer ∈ {4, 5}) / count(CSAT answers), 1–5 scale"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=csat_top2,
        denominator=csat_answers,
        variant=_(
            "Default variant top-2-box (满意率), the reading of the seed's ≥95 %; attributed to the "
            "date the customer answered. The mean score is csat_mean; the two are not comparable."
        ),
        target=0.95,
        warning=0.90,
        min_n=SMALL_SAMPLE,
    ),
    Kpi(
        code="csat_mean",
        name_zh="满意度平均分",
        name_en="CSAT mean score",
        family=Family.SURVEY,
        reference="kpi-definitions §1",
        formula=_("Σ CSAT answer / count(CSAT answers), 1–5 scale"),
        unit=Unit.SCORE,
        direction=Direction.HIGHER,
        measure=csat_avg,
        variant=_("Mean variant of CSAT, on the 1–5 scale; not comparable with csat_t2b."),
        min_n=SMALL_SAMPLE,
    ),
    Kpi(
        code="csat_index",
        name_zh="满意度指数（0–100）",
        name_en="CSAT index (0–100)",
        family=Family.SURVEY,
        reference="kpi-definitions §1",
        formula=_("(csat_mean − 1) / (5 − 1) × 100"),
        unit=Unit.POINTS,
        direction=Direction.HIGHER,
        inputs=("csat_mean",),
        expression=lambda v: (v["csat_mean"] - 1) / 4 * 100,
        variant=_("The mean normalised to 0–100 (the 100/75/50/25/0 weighting)."),
        min_n=SMALL_SAMPLE,
    ),
    Kpi(
        code="nps",
        name_zh="净推荐值",
        name_en="Net Promoter Score",
        family=Family.SURVEY,
        reference="kpi-definitions §1",
        formula=_("100 × (promoters (9–10) − detractors (0–6)) / all NPS answers (passives included)"),
        unit=Unit.POINTS,
        direction=Direction.HIGHER,
        numerator=nps_net,
        denominator=nps_answers,
        scale=100,
        variant=_("Segments are combined from the raw counts, never by averaging segment NPS values."),
        min_n=SMALL_SAMPLE,
    ),
    Kpi(
        code="ces_agree",
        name_zh="客户费力度（认同率）",
        name_en="Customer Effort Score (% agree)",
        family=Family.SURVEY,
        reference="kpi-definitions §1",
        formula=_("count(CES answer ≥ 5) / count(CES answers), 7-point agreement scale"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=ces_agree,
        denominator=ces_answers,
        variant=_(
            "Default % agree (5–7 on the 7-point CES 2.0 item, “made it easy”: higher is better); "
            "the mean is ces_mean."
        ),
        min_n=SMALL_SAMPLE,
    ),
    Kpi(
        code="ces_mean",
        name_zh="客户费力度平均分",
        name_en="Customer Effort Score (mean)",
        family=Family.SURVEY,
        reference="kpi-definitions §1",
        formula=_("Σ CES answer / count(CES answers), 1–7"),
        unit=Unit.SCORE,
        direction=Direction.HIGHER,
        measure=ces_avg,
        min_n=SMALL_SAMPLE,
    ),
    Kpi(
        code="survey_response_rate",
        name_zh="问卷回复率",
        name_en="Survey response rate",
        family=Family.SURVEY,
        reference="kpi-definitions §2.1 (report n and response rate)",
        formula=_("invitations answered / invitations sent, of those answered or expired"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=invitations_answered,
        denominator=invitations_settled,
        variant=_(
            "Attributed to the date the invitation was sent; an invitation still open and unanswered "
            "is left out until it expires (right-censoring)."
        ),
    ),
)

SERVICE_KPIS = (
    Kpi(
        code="response_24h_rate",
        name_zh="24小时有效响应率",
        name_en="Effective response within 24 h",
        family=Family.SERVICE,
        reference="kpi-definitions §2.2",
        formula=_(
            "requests first answered within 24 h / requests registered, leaving out unanswered "
            "requests younger than 24 h and requests cancelled unanswered"
        ),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=response_24h_met,
        denominator=response_24h_judged,
        variant=_(
            "Calendar hours from registration; the first customer-facing contact (reply, logged call "
            "or resolution) counts as the effective response, automatic acknowledgements do not."
        ),
        target=1.0,
        warning=0.95,
    ),
    Kpi(
        code="first_response_mean_h",
        name_zh="平均首次响应时长",
        name_en="Mean first response time",
        family=Family.SERVICE,
        reference="kpi-definitions §2.3",
        formula=_("Σ (first response − registration) / requests answered, calendar hours"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=first_response_avg,
        scale=MINUTES_TO_HOURS,
        variant=_(
            "Calendar hours, by registration date. Unanswered requests are missing from it: read it "
            "with response_24h_rate."
        ),
    ),
    Kpi(
        code="first_response_median_h",
        name_zh="首次响应时长中位数",
        name_en="Median first response time",
        family=Family.SERVICE,
        reference="kpi-definitions §2.3",
        formula=_("median (first response − registration), calendar hours"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=first_response_p50,
        scale=MINUTES_TO_HOURS,
    ),
    Kpi(
        code="first_response_p90_h",
        name_zh="首次响应时长P90",
        name_en="First response time, 90th percentile",
        family=Family.SERVICE,
        reference="kpi-definitions §2.3",
        formula=_("P90 (first response − registration), calendar hours, linear interpolation"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=first_response_p90,
        scale=MINUTES_TO_HOURS,
    ),
    Kpi(
        code="first_response_business_mean_h",
        name_zh="平均首次响应时长（工作时间）",
        name_en="Mean first response time (business hours)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.3, §0.7",
        formula=_("Σ business time to first response / requests answered, in the store's working hours"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=first_response_business_avg,
        scale=MINUTES_TO_HOURS,
    ),
    Kpi(
        code="first_response_business_median_h",
        name_zh="首次响应时长中位数（工作时间）",
        name_en="Median first response time (business hours)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.3, §0.7",
        formula=_("median business time to first response"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=first_response_business_p50,
        scale=MINUTES_TO_HOURS,
    ),
    Kpi(
        code="first_response_business_p90_h",
        name_zh="首次响应时长P90（工作时间）",
        name_en="First response time, 90th percentile (business hours)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.3, §0.7",
        formula=_("P90 business time to first response, linear interpolation"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=first_response_business_p90,
        scale=MINUTES_TO_HOURS,
    ),
    Kpi(
        code="first_time_right_30d",
        name_zh="解决准确率（一次修复率）",
        name_en="Resolution accuracy (first-time-right, 30 days)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.4",
        formula=_(
            "requests resolved ≥ 30 days ago with no reopen and no new request for the same asset "
            "and fault category within 30 days / requests resolved ≥ 30 days ago"
        ),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=resolved_right_first_time,
        denominator=resolved_settled,
        variant=_(
            "N = 30 days for every kind; “same issue” = same asset and fault category; attributed "
            "to the last resolution; periods whose 30 days have not passed leave those requests out."
        ),
        target=0.98,
        warning=0.95,
    ),
    Kpi(
        code="repeat_repair_30d",
        name_zh="返修率（30天）",
        name_en="Repeat-repair rate (30 days)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.13",
        formula=_(
            "repairs of an asset followed within 30 days by a new request for the same asset and "
            "fault category / repairs of an asset resolved ≥ 30 days ago"
        ),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        numerator=repairs_returned,
        denominator=repairs_settled,
        variant=_("Counted by visits (台次): each repair request once."),
    ),
    Kpi(
        code="reopen_rate",
        name_zh="工单重开率",
        name_en="Reopen rate",
        family=Family.SERVICE,
        reference="kpi-definitions §2.12",
        formula=_("requests resolved ≥ 30 days ago that were reopened / requests resolved ≥ 30 days ago"),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        numerator=resolved_reopened,
        denominator=resolved_settled,
        variant=_(
            "The reopen window is the product's 30 days (reopening is refused later); requests whose "
            "window is still open are left out."
        ),
    ),
    Kpi(
        code="mttr_h",
        name_zh="平均解决时长",
        name_en="Mean time to resolve",
        family=Family.SERVICE,
        reference="kpi-definitions §2.10",
        formula=_("Σ (resolution − registration) / requests resolved, calendar hours"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=resolution_avg,
        scale=MINUTES_TO_HOURS,
        variant=_("Calendar hours including time waiting for the customer or parts, by resolution date."),
    ),
    Kpi(
        code="mttr_business_h",
        name_zh="平均解决时长（工作时间）",
        name_en="Mean time to resolve (business hours)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.10, §0.7",
        formula=_("Σ business time to resolution / requests resolved (waiting time taken out)"),
        unit=Unit.HOURS,
        direction=Direction.LOWER,
        measure=resolution_business_avg,
        scale=MINUTES_TO_HOURS,
    ),
    Kpi(
        code="sla_response_rate",
        name_zh="SLA达成率（响应）",
        name_en="SLA attainment (response)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.11",
        formula=_("response targets achieved / response targets completed (achieved + breached)"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=sla_response_achieved,
        denominator=sla_response_completed,
        variant=_("Per target, by registration date; targets still running are left out."),
    ),
    Kpi(
        code="sla_resolution_rate",
        name_zh="SLA达成率（解决）",
        name_en="SLA attainment (resolution)",
        family=Family.SERVICE,
        reference="kpi-definitions §2.11",
        formula=_("resolution targets achieved / resolution targets completed (achieved + breached)"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=sla_resolution_achieved,
        denominator=sla_resolution_completed,
        variant=_("Per target, by registration date; targets still running are left out."),
    ),
    Kpi(
        code="fcr",
        name_zh="首次接触解决率",
        name_en="First contact resolution",
        family=Family.SERVICE,
        reference="kpi-definitions §2.9",
        formula=_(
            "requests resolved with no customer message after the initial description / requests resolved"
        ),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=resolved_first_contact,
        denominator=resolved,
        variant=_(
            "Freshservice denominator: requests resolved in the period (not all contacts), all "
            "channels; attributed to the resolution date."
        ),
        target=0.80,
    ),
    Kpi(
        code="complaint_rate",
        name_zh="客户投诉率",
        name_en="Customer complaint rate",
        family=Family.SERVICE,
        reference="kpi-definitions §2.6",
        formula=_(
            "complaints registered in the period / service requests (other than complaints) resolved "
            "in the period"
        ),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        numerator=complaints_received,
        denominator=resolved_service,
        variant=_(
            "Base: service orders completed in the same period. A complaint is a request of kind complaint."
        ),
        target=0.01,
        warning=0.02,
    ),
    Kpi(
        code="complaint_closure_14d",
        name_zh="投诉两周结案率",
        name_en="Complaints closed within 14 days",
        family=Family.SERVICE,
        reference="kpi-definitions §2.7",
        formula=_(
            "complaints closed by their closure date / (complaints closed + complaints open past their "
            "closure date), by the date the complaint was opened"
        ),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=complaints_closed_in_time,
        denominator=complaints_settled,
        variant=_(
            "The clock starts when the complaint is registered; the closure date is "
            "AFTERSALES_COMPLAINT_CLOSURE_DAYS (14) later. A complaint closed late counts against it; one "
            "still open before its date is left out."
        ),
    ),
    Kpi(
        code="requests_received",
        name_zh="服务请求量",
        name_en="Service requests received",
        family=Family.SERVICE,
        reference="kpi-definitions §0.2 (volume, by channel with the channel breakdown)",
        formula=_("count(requests registered)"),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        measure=received,
        variant=_("Break it down by channel for the service volume by channel."),
    ),
    Kpi(
        code="complaints_received",
        name_zh="投诉量",
        name_en="Complaints received",
        family=Family.SERVICE,
        reference="kpi-definitions §2.6 (the numerator of the complaint rate), §6 (quality Pareto)",
        formula="count(requests of kind complaint registered)",
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        measure=complaints_received,
        variant="Break it down by fault category or product model for the complaint Pareto.",
    ),
    Kpi(
        code="repair_requests",
        name_zh="故障维修请求量",
        name_en="Fault / repair requests received",
        family=Family.SERVICE,
        reference="kpi-definitions §2.13 (faults behind the repeat-repair rate), §6 (quality Pareto)",
        formula="count(requests of kind fault / repair registered)",
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        measure=repairs_received,
        variant="Break it down by fault category or product model for the fault Pareto.",
    ),
    Kpi(
        code="requests_resolved",
        name_zh="已解决请求量",
        name_en="Service requests resolved",
        family=Family.SERVICE,
        reference="kpi-definitions §3b (orders completed)",
        formula=_("count(requests resolved)"),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        measure=resolved,
    ),
)

CRM_KPIS = (
    Kpi(
        code="customer_churn_6m",
        name_zh="客户流失率（6个月队列）",
        name_en="Customer churn (6-month cohort)",
        family=Family.CRM,
        reference="kpi-definitions §3b, §5",
        formula=_(
            "customers with a request in the period and none in the 183 days after it / customers "
            "with a request in the period"
        ),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        numerator=customers_lost,
        denominator=customers_served,
        variant=_(
            "Dealer cohort form: shown for the cohort's own period (not month N+7); a visit is any "
            "request not cancelled; customers are counted once per period and breakdown key."
        ),
        target=0.20,
        warning=0.25,
    ),
    Kpi(
        code="customer_retention_6m",
        name_zh="客户保持率（6个月队列）",
        name_en="Customer retention (6-month cohort)",
        family=Family.CRM,
        reference="kpi-definitions §3b",
        formula=_("1 − customer_churn_6m"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        inputs=("customer_churn_6m",),
        expression=lambda v: 1 - v["customer_churn_6m"],
        variant=_(
            "Cohort form (1 − churn), not the period CRR (E − N) / S, which needs a customer "
            "register with start and end dates."
        ),
        target=0.80,
        warning=0.75,
    ),
)

CATALOGUE = Catalogue(
    kpis=(*SURVEY_KPIS, *SERVICE_KPIS, *CRM_KPIS, *DEALER_KPIS, *ENTERPRISE_KPIS, *QUALITY_KPIS)
)
