from datetime import datetime

import pytest
from django.utils import translation

from aftersales.service.models import SlaPolicy
from aftersales.service.services.tickets import ticket_register, ticket_resolve
from aftersales.surveys.models import SurveyTemplate


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the product's default language is zh-hans."""
    with translation.override("en"):
        yield


@pytest.fixture
def transactional(db) -> SurveyTemplate:
    """The template the data migration created: CSAT, NPS, CES, free text (optional)."""
    return SurveyTemplate.objects.get(code="transactional", active=True)


@pytest.fixture
def resolved_ticket(cast, frozen_clock):
    """Customer A's request at store A, registered Mon 2 March 2026 10:00, resolved at 14:00."""
    SlaPolicy.objects.create(name="默认", response_minutes=24 * 60, resolution_minutes=72 * 60)
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        asset=cast.asset_a,
        channel="phone",
        kind="repair",
        subject="发动机故障灯亮",
        fault_category=cast.engine,
    )
    frozen_clock(datetime(2026, 3, 2, 14, 0))
    return ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-SENSOR")


def items_by_kind(template: SurveyTemplate) -> dict:
    return {item.kind: item for item in template.items.all()}


def full_answers(template: SurveyTemplate, **overrides) -> dict:
    """A valid set of answers: CSAT 4, NPS 9, CES 6, a comment; overrides by kind."""
    values = {"csat": 4, "nps": 9, "ces": 6, "text": "师傅很专业", **overrides}
    return {item.pk: values[item.kind] for item in template.items.all()}
