"""Rows for KPI tests, written straight to the tables: the engine reads stored columns, so a test states
exactly the durations and timestamps its hand-computed expectation is built from.

Times are naive Asia/Shanghai unless aware."""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from aftersales.customers.models import Customer
from aftersales.service.models import Ticket
from aftersales.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyTemplate

SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def request(store, customer, created_at: datetime, **fields) -> Ticket:
    """A service request registered at `created_at`; `first_response_after` / `resolved_after` (timedelta)
    fill the measured columns the way the SLA service stores them."""
    first_response_after = fields.pop("first_response_after", None)
    resolved_after = fields.pop("resolved_after", None)
    if first_response_after is not None:
        fields["first_response_at"] = created_at + first_response_after
        fields["first_response_minutes"] = int(first_response_after.total_seconds() // 60)
        fields.setdefault("first_response_business_minutes", fields["first_response_minutes"])
    if resolved_after is not None:
        fields["resolved_at"] = created_at + resolved_after
        fields["resolution_minutes"] = int(resolved_after.total_seconds() // 60)
        fields.setdefault("resolution_business_minutes", fields["resolution_minutes"])
        fields.setdefault("status", "resolved")
    serial = next(_serial)
    return Ticket.objects.create(
        number=f"T-{serial:07d}",
        tracking_token=f"token-{serial:07d}",
        store=store,
        customer=customer,
        channel=fields.pop("channel", "phone"),
        subject="kpi test",
        created_at=created_at,
        **fields,
    )


def customer(store, name: str) -> Customer:
    return Customer.objects.create(name=name, home_store=store)


def survey(ticket: Ticket, answered_at: datetime, **scores: int) -> SurveyResponse:
    """The transactional survey of `ticket`, answered at `answered_at` with e.g. csat=5, nps=10."""
    template = SurveyTemplate.objects.get(code="transactional", active=True)
    serial = next(_serial)
    invitation = SurveyInvitation.objects.create(
        ticket=ticket,
        template=template,
        token_digest=f"{serial:064d}",
        sent_at=answered_at - timedelta(hours=1),
        expires_at=answered_at + timedelta(days=27),
        answered_at=answered_at,
    )
    response = SurveyResponse.objects.create(invitation=invitation, created_at=answered_at)
    items = {item.kind: item for item in template.items.all()}
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, item=items[kind], number=number) for kind, number in scores.items()
    )
    return response


# --- imported business facts (aftersales.facts) ----------------------------------------------------------


def fact_batch():
    from aftersales.facts.models import ImportBatch

    return ImportBatch.objects.create(dataset="test", source=ImportBatch.Source.SEED, status="applied")


def deal(batch, number, store, day, *, price, cost, kind="new", channel="retail", **products):
    """A vehicle deal; `finance=1, trade_in=1` set the products attached (with_finance, ...)."""
    from aftersales.facts.models import SalesDeal

    return SalesDeal.objects.create(
        import_batch=batch,
        deal_number=number,
        date=day,
        store=store,
        vehicle_model="EV S1",
        vehicle_kind=kind,
        channel=channel,
        price=Decimal(price),
        cost=Decimal(cost),
        **{f"with_{product}": True for product in products},
    )


def attendance(batch, person, store, month, *, scheduled, **absent):
    """A person's month: `sick=1, personal=0.5, annual_leave=2` fill absent_sick, ..."""
    from aftersales.facts.models import Attendance

    return Attendance.objects.create(
        import_batch=batch,
        person=person,
        store=store,
        month=month,
        scheduled_days=Decimal(scheduled),
        **{f"absent_{reason}": Decimal(str(days)) for reason, days in absent.items()},
    )


def stock(batch, store, day, units, value, category="vehicles"):
    from aftersales.facts.models import InventorySnapshot

    return InventorySnapshot.objects.create(
        import_batch=batch, store=store, date=day, category=category, units=units, value=Decimal(value)
    )


def cogs(batch, store, month, units, amount, category="vehicles"):
    from aftersales.facts.models import CostOfGoodsSold

    return CostOfGoodsSold.objects.create(
        import_batch=batch,
        store=store,
        month=month,
        category=category,
        units_sold=units,
        amount=Decimal(amount),
    )
