"""`aftersales seed` and `aftersales demo_logins`: one small month, checked fact by fact."""

import hashlib
import re
from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from aftersales.accounts.models import Role, User
from aftersales.core.seeding.names import is_valid_vin
from aftersales.customers.models import Asset, Customer, ProductModel
from aftersales.customers.selectors import asset_warranty_status
from aftersales.service.models import Comment, Complaint, PauseSegment, Ticket, TicketEvent
from aftersales.service.models.tickets import OPEN_STATUSES
from aftersales.service.services import sla
from aftersales.surveys.models import (
    Campaign,
    CampaignRecipient,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from aftersales.surveys.selectors import campaign_progress

SEED = {"size": "small", "seed": 7, "today": "2026-11-30", "months": 1}
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", **SEED, **options, stdout=out)
    return out.getvalue()


def digest() -> str:
    """Every ticket (number, creation, status, assignee) plus the events, complaints and customers."""
    h = hashlib.sha256()
    for row in Ticket.objects.order_by("number").values_list(
        "number", "created_at", "status", "assignee__username", "first_response_at", "resolved_at", "subject"
    ):
        h.update(repr(row).encode())
    for row in TicketEvent.objects.order_by("ticket__number", "created_at", "id").values_list(
        "ticket__number", "type", "created_at", "payload"
    ):
        h.update(repr(row).encode())
    for row in Complaint.objects.order_by("ticket__number").values_list(
        "ticket__number", "severity", "source", "root_cause", "corrective_measure", "closed_at"
    ):
        h.update(repr(row).encode())
    for row in Customer.objects.order_by("name", "phone").values_list("name", "phone", "email", "tier"):
        h.update(repr(row).encode())
    for row in CampaignRecipient.objects.order_by("campaign__name", "position").values_list(
        "campaign__name", "campaign__status", "position", "customer__name", "customer__phone", "batch",
        "invitation__sent_at", "invitation__answered_at",
    ):  # fmt: skip
        h.update(repr(row).encode())
    for row in (
        SurveyAnswer.objects.filter(response__invitation__campaign__isnull=False)
        .order_by(
            "response__invitation__campaign__name", "response__invitation__recipient__position", "item__order"
        )
        .values_list(
            "response__invitation__recipient__position",
            "response__created_at",
            "item__order",
            "number",
            "text",
        )
    ):
        h.update(repr(row).encode())
    for row in (
        SurveyAnswer.objects.filter(response__invitation__ticket__isnull=False)
        .order_by("response__invitation__ticket__number", "item__order")
        .values_list(
            "response__invitation__ticket__number", "response__created_at", "item__kind", "number", "text"
        )
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_seed_small_month_facts_idempotence_and_determinism():
    output = seed()
    assert "seeded small" in output
    tickets = list(Ticket.objects.select_related("store", "customer", "asset", "sla_policy"))
    assert 140 <= len(tickets) <= 200  # 2,000 a year → about 167 a month
    assert len({t.number for t in tickets}) == len(tickets)
    assert all(re.fullmatch(r"SR\d{4}-\d{6}", t.number) for t in tickets)
    # the month in the store's zone, as the registration service numbers a request
    assert all(
        t.number == f"SR{t.created_at.astimezone(ZoneInfo(t.store.timezone)):%y%m}-{t.pk:06d}"
        for t in tickets
    )
    assert len({t.tracking_token for t in tickets}) == len(tickets)

    # Staff and customers of every role; three stores with their hours.
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="specialist1").check_password("demo1234")
    assert Customer.objects.filter(user__username="customer1").exists()

    # Assignees are specialists of the ticket's store.
    stores_of = defaultdict(set)
    for user_id, store_id in User.stores.through.objects.values_list("user_id", "store_id"):
        stores_of[user_id].add(store_id)
    specialists = set(User.objects.filter(role=Role.SPECIALIST).values_list("pk", flat=True))
    assigned = [t for t in tickets if t.assignee_id]
    assert len(assigned) >= len(tickets) - 10
    assert all(t.assignee_id in specialists and t.store_id in stores_of[t.assignee_id] for t in assigned)

    # Stored SLA figures agree with their timestamps and with the product's own arithmetic.
    responded = [t for t in tickets if t.first_response_at]
    assert len(responded) >= len(tickets) * 0.9
    for t in responded:
        assert t.first_response_minutes == int((t.first_response_at - t.created_at).total_seconds() // 60)
        # (While a pause is open the product leaves the due dates empty: the clock stands still.)
        assert t.response_breached == (
            t.response_due_at is not None and t.first_response_at > t.response_due_at
        )
        assert t.response_due_at is not None or t.paused_since is not None
        assert t.first_response_business_minutes == sla._business_minutes(
            t, t.created_at, t.first_response_at
        )
    for t in tickets:
        if t.resolved_at:
            assert t.resolution_minutes == int((t.resolved_at - t.created_at).total_seconds() // 60)
            assert t.resolution_business_minutes == sla._business_minutes(t, t.created_at, t.resolved_at)
        assert t.sla_policy == sla.sla_policy_for(ticket=t)
        if t.reopen_count == 0:  # (after a reopen the product keeps the deadline set at the reopen)
            stored = (t.response_due_at, t.resolution_due_at)
            sla.sla_deadlines_compute(ticket=t)
            assert (t.response_due_at, t.resolution_due_at) == stored
        closed_pauses = PauseSegment.objects.filter(ticket=t, ends_at__isnull=False)
        assert t.paused_seconds == sum(int((p.ends_at - p.starts_at).total_seconds()) for p in closed_pauses)
        if t.asset_id:
            status = asset_warranty_status(asset=t.asset, on=t.created_at.astimezone(SHANGHAI).date())
            assert (t.in_warranty, t.parts_covered_percent) == (status.in_warranty, status.parts_percent)

    # Each ticket's events start with `created` at its creation, in order, ending in its status.
    events = defaultdict(list)
    for event in TicketEvent.objects.order_by("created_at", "id"):
        events[event.ticket_id].append(event)
    for t in tickets:
        first = events[t.pk][0]
        assert (first.type, first.created_at, first.to_status) == ("created", t.created_at, "new")
        changes = [e for e in events[t.pk] if e.to_status]
        assert all(a.to_status == b.from_status for a, b in zip(changes, changes[1:], strict=False))
        assert changes[-1].to_status == t.status
        # Warnings and escalation levels belong to the target raced now (the first response resets them).
        target = "resolution" if t.first_response_at else "response"
        levels = [
            e.payload["level"]
            for e in events[t.pk]
            if e.type == "escalated" and e.payload["target"] == target
        ]
        assert t.escalation_level == max(levels, default=0)
        assert t.warned_at is None or t.first_response_at is None or t.warned_at >= t.first_response_at
        assert all(e.created_at <= t.updated_at for e in events[t.pk])

    # Every complaint has its record, stored as the complaint services would have: severity from the
    # priority, closure at the last resolution (with root cause and corrective measure), escalation
    # levels matching their events; a mix of severities and sources, some closed after the due date.
    complaints = {c.ticket_id: c for c in Complaint.objects.all()}
    complaint_tickets = [t for t in tickets if t.kind == "complaint"]
    assert set(complaints) == {t.pk for t in complaint_tickets}
    for t in complaint_tickets:
        c = complaints[t.pk]
        assert c.severity == {"urgent": 1, "high": 2}.get(t.priority, 3)
        assert c.opened_at == t.created_at and c.due_at == t.created_at + timedelta(days=14)
        if t.status in {"resolved", "closed"}:
            assert c.closed_at == t.resolved_at and c.closed_within_due == (t.resolved_at <= c.due_at)
            assert c.root_cause and c.corrective_measure
        else:
            assert (c.closed_at, c.closed_within_due) == (None, None)
        levels = [e.payload["level"] for e in events[t.pk] if e.type == "complaint_escalated"]
        assert c.escalation_level == max(levels, default=0)
        assert [e.type for e in events[t.pk]].count("complaint_opened") == 1
    assert {c.severity for c in complaints.values()} == {1, 2, 3}
    assert len({c.source for c in complaints.values()}) >= 4
    assert any(c.closed_within_due is False for c in complaints.values())

    # Every resolved request got a written reply; internal notes exist but are never from customers.
    replied = set(
        Comment.objects.filter(visibility="public", from_customer=False).values_list("ticket_id", flat=True)
    )
    assert all(t.pk in replied for t in tickets if t.resolved_at)
    assert Comment.objects.filter(visibility="internal").exists()
    assert not Comment.objects.filter(visibility="internal", from_customer=True).exists()

    # The last two weeks look alive; older requests are done.
    as_of = datetime(2026, 11, 30, tzinfo=SHANGHAI)  # midnight starting --today
    recent = [t for t in tickets if t.created_at > as_of - timedelta(days=14)]
    assert any(t.status in OPEN_STATUSES for t in recent)
    assert all(
        t.status in {"closed", "cancelled"} for t in tickets if t.created_at < as_of - timedelta(days=20)
    )
    assert all(t.created_at < as_of for t in tickets)

    # Vehicles carry valid VINs; appliances serials of their model's pattern.
    for asset in Asset.objects.select_related("product_model"):
        if asset.product_model.identifier_kind == ProductModel.IdentifierKind.VIN:
            assert is_valid_vin(asset.serial), asset.serial
        else:
            assert re.fullmatch(asset.product_model.serial_pattern, asset.serial)

    # Every finished request of a customer with an address was invited a day after it was resolved, as
    # the dispatch job does; about half answered, within the 28 days and before today, on the scales.
    invitations = {
        i.ticket_id: i for i in SurveyInvitation.objects.filter(ticket__isnull=False).select_related("ticket")
    }
    invited = [
        t
        for t in tickets
        if t.status in {"resolved", "closed"}
        and t.customer.email
        and t.resolved_at + timedelta(days=1) < as_of
    ]
    assert set(invitations) == {t.pk for t in invited}
    for t in invited:
        invitation = invitations[t.pk]
        assert invitation.sent_at == t.resolved_at + timedelta(days=1)
        assert invitation.expires_at == invitation.sent_at + timedelta(days=28)
        assert invitation.answered_at is None or invitation.sent_at < invitation.answered_at < min(
            as_of, invitation.expires_at
        )
    responses = list(
        SurveyResponse.objects.filter(invitation__ticket__isnull=False).select_related("invitation")
    )
    assert len(responses) == sum(1 for i in invitations.values() if i.answered_at)
    assert 0.35 * len(invited) <= len(responses) <= 0.6 * len(invited)
    assert all(r.created_at == r.invitation.answered_at for r in responses)
    scales = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
    scored = defaultdict(set)
    for answer in SurveyAnswer.objects.filter(response__invitation__ticket__isnull=False).select_related(
        "item"
    ):
        if answer.item.kind in scales:
            low, high = scales[answer.item.kind]
            assert low <= answer.number <= high
            scored[answer.item.kind].add(answer.response_id)
    assert all(ids == {r.pk for r in responses} for ids in scored.values()) and len(scored) == 3
    # Nobody can open a seeded link: no invitation has the digest of a token anyone knows.
    assert len({i.token_digest for i in invitations.values()}) == len(invitations)

    # Two survey campaigns of the demo: one finished (3 weekly batches of 20), one running (2 of 4 daily
    # batches of 10 sent), both with answers and the customers' consent; the running one left out the
    # customers invited after a request within 90 days of its draw.
    finished, running = Campaign.objects.order_by("created_at")
    assert (finished.status, running.status) == (Campaign.Status.FINISHED, Campaign.Status.RUNNING)
    done, going = campaign_progress(finished), campaign_progress(running)
    assert (done.sampled, done.invited, done.pending, len(done.batches)) == (60, 60, 0, 3)
    assert (going.sampled, going.invited, going.pending, len(going.batches)) == (40, 20, 20, 2)
    recently_invited = set(
        SurveyInvitation.objects.filter(
            ticket__isnull=False, created_at__gte=running.started_at - timedelta(days=90)
        ).values_list("ticket__customer_id", flat=True)
    )
    assert recently_invited and not recently_invited & set(
        running.recipients.values_list("customer_id", flat=True)
    )
    assert done.answered > 0 and going.answered > 0
    invited = SurveyInvitation.objects.filter(campaign__isnull=False).select_related("customer")
    assert all(i.customer.consent_to_contact and i.customer.email for i in invited)
    assert all(i.sent_at < as_of and (i.answered_at is None or i.answered_at < as_of) for i in invited)

    # A second run without --reset changes nothing.
    before = digest()
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), User.objects.count())
    assert "already seeded" in seed()
    assert digest() == before
    assert (Ticket.objects.count(), TicketEvent.objects.count(), User.objects.count()) == counts

    # --reset and the same seed give the same data again, also when a forked child generates the
    # tickets while this process writes them (small batches make the seed use two processes).
    seed(reset=True)
    assert digest() == before
    seed(reset=True, batch_size=40)
    assert digest() == before
    assert (Ticket.objects.count(), TicketEvent.objects.count(), User.objects.count()) == counts
    assert SurveyResponse.objects.filter(invitation__ticket__isnull=False).count() == len(responses)


def test_demo_logins_lists_one_account_per_role():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "aftersales seed" in out.getvalue()  # nothing seeded yet

    seed()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for username in ("admin", "executive1", "store_manager1", "specialist1", "technician1", "customer1"):
        assert re.search(rf"^{username}\s+demo1234", text, re.MULTILINE), username
    assert "http://127.0.0.1:8000/" in text
    assert "上海浦东4S店" in text
