"""Store isolation, swept over every URL pattern of the project.

Every query that serves a person goes through `visible_to(user)`: a specialist of store B, a manager of
store B or a portal customer of store B gets 404 for every page, endpoint and attachment of store A, and
nothing changes in the database. The sweep is driven by the URL configuration itself:

* `test_every_route_is_classified` walks `get_resolver().url_patterns` (the pages, the ninja API under
  /api/v1/, the admin) and fails for any pattern the catalogue below does not classify. A new route
  fails here until it is added to one of:

  - `OBJECT_CASES`: the route names an object of a store (a request number, an id, a tracking token).
    Each case gives the URL(s) and the method to try for a "world" of store A; the sweep checks 404 for
    the foreigners, an unchanged database, and the owner's success code (the positive anchor).
  - `LIST_CASES` / `WRITE_CASES`: lists that are themselves scoped (store A's data must not appear for
    store B, and must appear for store A), and writes that name another store's object in the body.
  - `NOT_OBJECT`: no object of a store behind it (sign-in, language switch, ...), with a reason.
  - `DOCS` and `RULES`: the OpenAPI schema and docs, and the admin (closed to everybody but superusers,
    checked by `test_admin_is_closed_to_store_staff_and_customers`).

* `test_catalogue_has_no_stale_entries` fails for a catalogue key whose pattern no longer exists.

Keys are `namespace:name` (`service:ticket_detail`, `api:requests_get`) or, for an unnamed pattern, its
route string.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from aftersales.accounts.models import Role, User
from aftersales.api.testing import api_client
from aftersales.core import testing
from aftersales.core.spreadsheets import XLSX_TYPE
from aftersales.customers.models import Asset, Coverage, Customer
from aftersales.facts.models import SalesDeal
from aftersales.integrations.models import WebhookSubscription
from aftersales.service.models import (
    Attachment,
    Comment,
    Complaint,
    PartUsage,
    PauseSegment,
    Ticket,
    TicketEvent,
    Visit,
)
from aftersales.service.services.attachments import attachment_add
from aftersales.service.services.tickets import ticket_register, ticket_reply, ticket_resolve
from aftersales.service.services.work import part_record, visit_arrive, visit_book
from aftersales.service.views.actions import ACTIONS
from aftersales.surveys.campaigns import Criteria, campaign_create, campaign_sample_draw
from aftersales.surveys.models import Campaign, CampaignRecipient, RecoveryCase, SurveyInvitation, SurveyLink

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# --- the URL patterns -----------------------------------------------------------------------------------


def _walk(patterns, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            route = prefix + str(entry.pattern)
            yield (":".join((*namespaces, entry.name)) if entry.name else route), route


def url_patterns() -> dict[str, str]:
    """Every URL pattern of the project: key -> route. A name used twice gets its route appended."""
    found: dict[str, str] = {}
    for key, route in _walk(get_resolver().url_patterns):
        if key in found and found[key] != route:
            key = f"{key} {route}"
        found.setdefault(key, route)
    return found


# --- the world: store A's objects, and the foreigners' own request in store B ---------------------------

SHOWN_SUBJECT = "A店-发动机异响-机密"
UNASSIGNED_SUBJECT = "A店-空调不制冷-机密"
REPLY_BODY = "A店公开回复-机密"
NOTE_BODY = "A店内部备注-机密"
ATTACHMENT_NAME = "a-store-invoice-secret.png"
WEBHOOK_NAME = "A店CRM-机密"
WEBHOOK_URL = "https://crm.a-store-secret.example.com/hooks"
CAMPAIGN_NAME = "A店关系调研-机密"
KPI_TARGET_NOTE = "A店指标目标-机密"


@dataclass(frozen=True)
class Ids:
    """What a URL or a body names. `ghost()` names objects that do not exist."""

    number: str
    token: str
    visit: int
    attachment: int
    customer: int
    asset: int
    own_number: str  # the foreigners' own request (customer_b's, in store B)
    technician: int  # technician_a: a valid assignee / technician in store A
    subscription: int  # store A's webhook subscription
    follow_up: str  # the number of the service-recovery follow-up of store A's request, once there is one
    campaign: int  # store A's survey campaign (a draft with its sample drawn)

    def ghost(self) -> Ids:
        return replace(
            self,
            number="SR0001-999999",
            token="no-such-token-0000000000000000000000000000",
            visit=999_999,
            attachment=999_999,
            customer=999_999,
            asset=999_999,
            subscription=999_999,
            follow_up="SR0001-999998",
            campaign=999_999,
        )


@dataclass
class World:
    cast: testing.Cast
    manager_b: User
    ticket: Ticket
    unassigned: Ticket
    ticket_b: Ticket
    reply: Comment
    note: Comment
    visit: Visit
    part: PartUsage
    attachment: Attachment
    subscription: WebhookSubscription
    campaign: Campaign
    rows: dict | None = None  # the watched tables as built (see `snapshot`)

    @property
    def ids(self) -> Ids:
        return Ids(
            number=self.ticket.number,
            token=self.ticket.tracking_token,
            visit=self.visit.pk,
            attachment=self.attachment.pk,
            customer=self.cast.customer_a.pk,
            asset=self.cast.asset_a.pk,
            own_number=self.ticket_b.number,
            technician=self.cast.technician_a.pk,
            subscription=self.subscription.pk,
            follow_up=RecoveryCase.objects.filter(original=self.ticket)
            .values_list("follow_up__number", flat=True)
            .first()
            or "",
            campaign=self.campaign.pk,
        )

    @property
    def secrets(self) -> list[str]:
        """Store A's data that must never reach a foreigner, unless they typed it into the request."""
        customer = self.cast.customer_a
        return [
            self.ticket.number,
            self.unassigned.number,
            self.ticket.tracking_token,
            customer.name,
            customer.phone,
            self.cast.asset_a.serial,
            SHOWN_SUBJECT,
            UNASSIGNED_SUBJECT,
            REPLY_BODY,
            NOTE_BODY,
            ATTACHMENT_NAME,
            WEBHOOK_NAME,
            WEBHOOK_URL,
            CAMPAIGN_NAME,
            FACTS_DEAL["deal_number"],
            KPI_TARGET_NOTE,
        ]

    def user(self, who: str) -> User | None:
        if who == "anonymous":
            return None
        if who == "manager_b":
            return self.manager_b
        member = getattr(self.cast, who)
        return member.user if isinstance(member, Customer) else member


def build_world() -> World:
    """Store A: customer_a's request (assigned to specialist_a) with a public reply, an internal note, a
    booked visit, a part and an attachment; an unassigned request. Store B: customer_b's own request and
    a manager. Monday 2 March 2026, 10:00 in Shanghai."""
    cast = testing.make_cast()
    manager_b = testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))
    ticket = ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject=SHOWN_SUBJECT,
        asset=cast.asset_a,
        fault_category=cast.engine,
    )
    assert ticket.assignee == cast.specialist_a
    unassigned = ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject=UNASSIGNED_SUBJECT,
        auto_assign=False,
    )
    ticket_b = ticket_register(
        by=cast.specialist_b,
        store=cast.store_b,
        customer=cast.customer_b,
        channel="phone",
        subject="B店自己的请求",
        asset=cast.asset_b,
        fault_category=cast.engine,
    )
    reply = ticket_reply(ticket=ticket, by=cast.specialist_a, body=REPLY_BODY)
    note = ticket_reply(ticket=ticket, by=cast.specialist_a, body=NOTE_BODY, internal=True)
    visit = visit_book(
        ticket=ticket,
        by=cast.specialist_a,
        technician=cast.technician_a,
        window_start=datetime(2026, 3, 3, 9, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 11, tzinfo=SHANGHAI),
    )
    part = part_record(ticket=ticket, by=cast.specialist_a, part_number="P-1", quantity=1, unit_cost="120")
    attachment = attachment_add(
        ticket=ticket, by=cast.specialist_a, upload=SimpleUploadedFile(ATTACHMENT_NAME, PNG)
    )
    subscription = WebhookSubscription.objects.create(
        name=WEBHOOK_NAME, url=WEBHOOK_URL, events=["request.created"], store=cast.store_a
    )
    ticket.refresh_from_db()
    campaign = campaign_create(
        by=cast.manager_a,
        name=CAMPAIGN_NAME,
        topic=Campaign.Topic.SERVICE,
        criteria=Criteria(stores=(cast.store_a,)),
        sample_size=10,
        random_seed=1,
    )
    campaign_sample_draw(campaign=campaign, by=cast.manager_a)
    return World(
        cast=cast,
        manager_b=manager_b,
        ticket=ticket,
        unassigned=unassigned,
        ticket_b=ticket_b,
        reply=reply,
        note=note,
        visit=visit,
        part=part,
        attachment=attachment,
        subscription=subscription,
        campaign=campaign,
    )


START = datetime(2026, 3, 2, 10)  # a Monday, 10:00 in Shanghai


@pytest.fixture(scope="module")
def stored_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The world is built once per module inside a transaction that is rolled back at the end. Each test
    runs in a savepoint inside it (pytest-django's `db` fixture) that is rolled back after the test, so
    every test starts from the same world whatever the one before it did: what a per-test build gives,
    without paying a third of a second per case."""
    files = tmp_path_factory.mktemp("attachments")
    storages = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": files}},
    }
    clock = testing.FrozenClock()
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), transaction.atomic():
        clock(START)
        world = build_world()
        world.rows = snapshot()
        try:
            yield world
        finally:
            clock.release()
            transaction.set_rollback(True)


@pytest.fixture
def world(stored_world: World, db) -> Iterator[World]:
    """The stored world, in this test's savepoint, with the clock back at the start."""
    clock = testing.FrozenClock()
    clock(START)
    assert snapshot() == stored_world.rows, "the test before this one was not rolled back"
    yield stored_world
    clock(START)


class Clients:
    """One signed-in page client and one bearer-token API client per person, made on first use.

    Neither enforces CSRF (Django's test client does not), so a refused POST is refused by the view."""

    def __init__(self, world: World):
        self.world = world
        self._pages: dict[str, Client] = {}
        self._apis: dict[str, Client] = {}

    def page(self, who: str) -> Client:
        if who not in self._pages:
            client = Client(headers={"Accept-Language": "en"})
            user = self.world.user(who)
            if user is not None:
                client.force_login(user)
            self._pages[who] = client
        return self._pages[who]

    def api(self, who: str) -> Client:
        if who not in self._apis:
            user = self.world.user(who)
            self._apis[who] = api_client(user) if user else Client(headers={"Accept-Language": "en"})
        return self._apis[who]

    def warm(self, *people: str) -> None:
        """Sign everybody in before the database snapshot (a session or a token is a write)."""
        for who in people:
            self.page(who)
            self.api(who)


@pytest.fixture
def clients(world) -> Clients:
    return Clients(world)


# --- sending and looking ---------------------------------------------------------------------------------

WATCHED = (
    Ticket,
    TicketEvent,
    Complaint,
    Comment,
    Visit,
    PartUsage,
    Attachment,
    PauseSegment,
    Customer,
    Asset,
    Coverage,
    WebhookSubscription,
    SurveyInvitation,
    SurveyLink,
    RecoveryCase,
    Campaign,
    CampaignRecipient,
    SalesDeal,
)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every watched table (a handful each): any insert, update or delete shows."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def changes(before: dict, after: dict) -> list[str]:
    found = []
    for name, rows in before.items():
        if rows == after[name]:
            continue
        if len(rows) != len(after[name]):
            found.append(f"{name}: {len(rows)} -> {len(after[name])} rows")
        else:
            changed = [row["id"] for row, new in zip(rows, after[name], strict=True) if row != new]
            found.append(f"{name}: rows {changed} changed")
    return found


def body_text(response) -> str:
    """The body as text; JSON re-dumped without \\u escapes so that names can be searched."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if response.get("Content-Type", "") == XLSX_TYPE:  # a zip: its cells, not its bytes, hold the names
        workbook = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            "\t".join("" if value is None else str(value) for value in row)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    text = raw.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def describe(response) -> str:
    where = f" -> {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


# --- the catalogue ----------------------------------------------------------------------------------------

FOREIGNERS = ("specialist_b", "customer_b")
WITH_MANAGER_B = (*FOREIGNERS, "manager_b")


def same(ids: Ids) -> list[Ids]:
    return [ids]


def also_under_own_request(ids: Ids) -> list[Ids]:
    """A child of store A's request (visit, attachment) asked for under the foreigner's own request."""
    return [ids, replace(ids, number=ids.own_number)]


def wrong_tokens(ids: Ids) -> list[Ids]:
    return [ids.ghost(), replace(ids, token=ids.number), replace(ids, token=ids.token[:-1])]


def resolve_first(world: World) -> None:
    ticket = Ticket.objects.get(pk=world.ticket.pk)
    ticket_resolve(ticket=ticket, by=world.cast.specialist_a, outcome="repair", root_cause="RC-1")


def arrive_first(world: World) -> None:
    visit_arrive(visit=Visit.objects.get(pk=world.visit.pk), by=world.cast.specialist_a)


def complaints_first(world: World) -> None:
    """Store A's request (and store B's own) become complaints, with their complaint records."""
    from aftersales.service.services.complaints import ComplaintIntake, complaint_record_open

    for ticket in (world.ticket, world.ticket_b):
        Ticket.objects.filter(pk=ticket.pk).update(kind="complaint")
        stored = Ticket.objects.get(pk=ticket.pk)
        complaint_record_open(ticket=stored, by=None, intake=ComplaintIntake(severity=1, source="direct"))


@dataclass(frozen=True)
class Case:
    """One object route, one method: foreigners get 404 and change nothing; the owners succeed."""

    key: str
    url: Callable[[Ids], str]
    variant: str = ""
    method: str = "GET"
    data: Callable[[Ids], dict] | None = None
    api: bool = False
    owners: tuple[tuple[str, int], ...] = (("specialist_a", 200),)
    foreigners: tuple[str, ...] = FOREIGNERS
    foreign_ids: Callable[[Ids], list[Ids]] = same
    prepare: Callable[[World], object] | None = None  # puts the world where the owner's call succeeds
    effect: Callable[[World], bool] | None = None  # what the owner's call did, when the status can't tell

    @property
    def id(self) -> str:
        return f"{self.key}[{self.variant}]" if self.variant else self.key


def _action(action: str, data: Callable[[Ids], dict] | None = None, **options) -> Case:
    return Case(
        key="service:ticket_action",
        variant=action,
        method="POST",
        url=lambda ids: reverse("service:ticket_action", args=[ids.number, action]),
        data=data or (lambda ids: {}),
        owners=options.pop("owners", (("specialist_a", 302),)),
        **options,
    )


def _api(name: str, *, method: str = "POST", data=None, owners=None, args=("number",), **options) -> Case:
    def url(ids: Ids) -> str:
        return reverse(f"api:{name}", kwargs={arg: getattr(ids, _ID_OF[arg]) for arg in args})

    success = 201 if name.endswith(_CREATES) else 200
    return Case(
        key=f"api:{name}",
        method=method,
        url=url,
        data=data or (None if method == "GET" else lambda ids: {}),
        api=True,
        owners=owners or (("specialist_a", success),),
        **options,
    )


_ID_OF = {
    "number": "number",
    "customer_id": "customer",
    "asset_id": "asset",
    "subscription_id": "subscription",
}
_CREATES = ("_reply", "_visits_book", "_parts_record", "_comments_create", "_assets_create")
VISIT_WINDOW_FORM = {"window_start": "2026-03-04T14:00", "window_end": "2026-03-04T16:00"}
VISIT_WINDOW_API = {"window_start": "2026-03-04T14:00:00", "window_end": "2026-03-04T16:00:00"}
PART = {"part_number": "P-2", "quantity": "1", "unit_cost": "10"}
RESOLVE = {"outcome": "repair", "root_cause": "RC-1"}
BOTH_READ = (("specialist_a", 200), ("customer_a", 200))


def _campaign(name: str, *, method: str = "POST", owners=(("manager_a", 302),), **options) -> Case:
    """A campaign page or button: 404 for the other store's manager, specialists and customers."""
    return Case(
        key=f"surveys:{name}",
        method=method,
        url=lambda ids: reverse(f"surveys:{name}", args=[ids.campaign]),
        data=None if method == "GET" else (lambda ids: {}),
        owners=owners,
        foreigners=WITH_MANAGER_B,
        **options,
    )


def _campaign_status(world: World) -> str:
    return Campaign.objects.get(pk=world.campaign.pk).status


OBJECT_CASES: list[Case] = [
    # --- staff pages (aftersales/service/urls.py)
    Case("service:ticket_detail", lambda ids: reverse("service:ticket_detail", args=[ids.number])),
    _action("reply", lambda ids: {"body": "hello"}),
    _action("note", lambda ids: {"body": "a note"}),
    _action("log_call", lambda ids: {"summary": "called"}),
    _action("start"),
    _action("resume"),
    _action("wait", lambda ids: {"on": "pending_customer", "note": "waiting"}),
    _action("book_visit", lambda ids: {"technician": ids.technician, **VISIT_WINDOW_FORM}),
    _action("confirm_visit", lambda ids: {"visit": ids.visit}, foreign_ids=also_under_own_request),
    _action("arrive_visit", lambda ids: {"visit": ids.visit}, foreign_ids=also_under_own_request),
    _action(
        "complete_visit",
        lambda ids: {"visit": ids.visit, "report": "fixed"},
        foreign_ids=also_under_own_request,
        prepare=arrive_first,
    ),
    _action("record_part", lambda ids: PART),
    _action("resolve", lambda ids: RESOLVE),
    _action("close", prepare=resolve_first),
    _action("reopen", lambda ids: {"reason": "again"}, prepare=resolve_first),
    _action("cancel", lambda ids: {"reason": "duplicate"}),
    _action(
        "assign",
        lambda ids: {"assignee": ids.technician, "reason": "cover"},
        owners=(("manager_a", 302),),
        foreigners=WITH_MANAGER_B,
    ),
    _action("upload", lambda ids: {"attachment": SimpleUploadedFile("photo.png", PNG)}),
    _action(
        "complaint",
        lambda ids: {"severity": "1", "reason": "", "root_cause": "RC", "corrective_measure": "CM"},
        prepare=complaints_first,
    ),
    Case(
        "service:attachment_download",
        lambda ids: reverse("service:attachment_download", args=[ids.number, ids.attachment]),
        owners=BOTH_READ,
        foreign_ids=also_under_own_request,
    ),
    Case(
        "service:customer_assets",
        lambda ids: reverse("service:customer_assets", args=[ids.customer]),
    ),
    Case(
        "service:manager_assign",
        lambda ids: reverse("service:manager_assign", args=[ids.number]),
        method="POST",
        data=lambda ids: {"assignee": ids.technician, "reason": "cover"},
        owners=(("manager_a", 302),),
        foreigners=WITH_MANAGER_B,
        effect=lambda world: Ticket.objects.get(pk=world.ticket.pk).assignee == world.cast.technician_a,
    ),
    # --- the survey of a request (aftersales/surveys/urls.py)
    Case("surveys:ticket_panel", lambda ids: reverse("surveys:ticket_panel", args=[ids.number])),
    Case("surveys:ticket_link", lambda ids: reverse("surveys:ticket_link", args=[ids.number])),
    Case(
        "surveys:ticket_link",
        lambda ids: reverse("surveys:ticket_link", args=[ids.number]),
        variant="issue",
        method="POST",
        data=lambda ids: {"channel": "qr"},
        prepare=resolve_first,
        effect=lambda world: SurveyLink.objects.filter(issued_by=world.cast.specialist_a).exists(),
    ),
    Case(
        "surveys:recovery_outcome",
        lambda ids: reverse("surveys:recovery_outcome", args=[ids.follow_up]),
        owners=(("manager_a", 200),),
        foreigners=WITH_MANAGER_B,
        prepare=lambda world: answer_low(world),
    ),
    Case(
        "surveys:recovery_outcome",
        lambda ids: reverse("surveys:recovery_outcome", args=[ids.follow_up]),
        variant="record",
        method="POST",
        data=lambda ids: {"outcome": "contacted"},
        owners=(("manager_a", 302),),
        foreigners=WITH_MANAGER_B,
        prepare=lambda world: answer_low(world),
        effect=lambda world: RecoveryCase.objects.get(original=world.ticket).outcome == "contacted",
    ),
    # --- the portal (aftersales/customers/urls.py)
    Case(
        "customers:portal_request",
        lambda ids: reverse("customers:portal_request", args=[ids.number]),
        owners=(("customer_a", 200),),
    ),
    Case(
        "customers:portal_reply",
        lambda ids: reverse("customers:portal_reply", args=[ids.number]),
        method="POST",
        data=lambda ids: {"body": "still noisy"},
        owners=(("customer_a", 302),),
    ),
    Case(
        "customers:portal_reopen",
        lambda ids: reverse("customers:portal_reopen", args=[ids.number]),
        method="POST",
        data=lambda ids: {"reopen-reason": "still noisy"},
        owners=(("customer_a", 302),),
        prepare=resolve_first,
    ),
    Case(
        "customers:portal_cancel",
        lambda ids: reverse("customers:portal_cancel", args=[ids.number]),
        method="POST",
        data=lambda ids: {"cancel-reason": "no longer needed"},
        owners=(("customer_a", 302),),
    ),
    Case(
        "customers:portal_visit_confirm",
        lambda ids: reverse("customers:portal_visit_confirm", args=[ids.number, ids.visit]),
        method="POST",
        data=lambda ids: {},
        owners=(("customer_a", 302),),
        foreign_ids=also_under_own_request,
        effect=lambda world: Visit.objects.get(pk=world.visit.pk).status == Visit.Status.CONFIRMED,
    ),
    Case(
        # Whoever holds the link sees the request: the token is the permission. A wrong one is 404.
        "customers:track",
        lambda ids: reverse("customers:track", args=[ids.token]),
        owners=(("anonymous", 200),),
        foreigners=("anonymous", *FOREIGNERS),
        foreign_ids=wrong_tokens,
    ),
    # --- the API (aftersales/service/api.py, aftersales/customers/api.py)
    _api("requests_get", method="GET", owners=BOTH_READ),
    _api(
        "requests_assign",
        data=lambda ids: {"assignee": ids.technician, "reason": "cover"},
        owners=(("manager_a", 200),),
        foreigners=WITH_MANAGER_B,
    ),
    _api("requests_start"),
    _api("requests_reply", data=lambda ids: {"body": "hello"}),
    _api("requests_log_call", data=lambda ids: {"summary": "called"}),
    _api("requests_wait", data=lambda ids: {"on": "pending_customer"}),
    _api("requests_resume"),
    _api("requests_visits_book", data=lambda ids: {"technician": ids.technician, **VISIT_WINDOW_API}),
    _api("requests_parts_record", data=lambda ids: PART),
    _api("requests_resolve", data=lambda ids: RESOLVE),
    _api("requests_close", prepare=resolve_first),
    _api("requests_reopen", data=lambda ids: {"reason": "again"}, prepare=resolve_first),
    _api("requests_cancel", data=lambda ids: {"reason": "duplicate"}),
    _api("requests_comments", method="GET", owners=BOTH_READ),
    _api("requests_comments_create", data=lambda ids: {"body": "hello"}),
    _api("customers_get", method="GET", args=("customer_id",), owners=BOTH_READ),
    _api("customers_assets", method="GET", args=("customer_id",), owners=BOTH_READ),
    _api(
        "customers_assets_create",
        args=("customer_id",),
        data=lambda ids: {"product_model": "ev-s1", "serial": "SN-A-0002", "purchase_date": "2026-03-01"},
    ),
    _api("assets_get", method="GET", args=("asset_id",), owners=BOTH_READ),
    # --- webhook subscriptions (aftersales/integrations/api.py): store A's, managed by its manager
    *(
        _api(
            name,
            method=method,
            args=("subscription_id",),
            data=data,
            owners=(("manager_a", status),),
            foreigners=WITH_MANAGER_B,
        )
        for name, method, data, status in (
            ("webhooks_get", "GET", None, 200),
            ("webhooks_update", "PATCH", lambda ids: {"active": False}, 200),
            ("webhooks_delete", "DELETE", None, 204),
            ("webhooks_deliveries", "GET", None, 200),
        )
    ),
    # --- survey campaigns (aftersales/surveys/urls.py): managers of the campaign's stores
    _campaign("campaign_detail", method="GET", owners=(("manager_a", 200), ("executive", 200))),
    _campaign("campaign_draw"),
    _campaign("campaign_start", effect=lambda w: _campaign_status(w) == Campaign.Status.FINISHED),
    _campaign("campaign_cancel", effect=lambda w: _campaign_status(w) == Campaign.Status.CANCELLED),
    _api("complaints_get", method="GET", prepare=complaints_first),
    _api(
        "complaints_update", method="PATCH", data=lambda ids: {"root_cause": "RC"}, prepare=complaints_first
    ),
]


@dataclass(frozen=True)
class ListCase:
    """A list scoped by `visible_to`: the owner sees store A's rows, the foreigner none of store A's data
    (and, where `foreign_sees` says so, their own rows: the list works, it is just scoped)."""

    key: str
    variant: str
    pairs: tuple[tuple[str, str], ...]
    owner_sees: Callable[[World], list[str]]
    query: Callable[[World], dict] = lambda world: {}
    foreign_sees: Callable[[World], list[str]] = lambda world: []
    api: bool = False
    prepare: Callable[[World], object] | None = None  # adds what the list shows (rolled back per test)
    args: tuple = ()  # the URL's parameters (a dataset code), none of them an object of a store

    @property
    def id(self) -> str:
        return f"{self.key}[{self.variant}]"

    def url(self) -> str:
        return reverse(self.key, args=self.args)


STAFF = (("specialist_a", "specialist_b"),)
MARCH_2026 = {"start": "2026-03-01", "end": "2026-04-01"}
CUSTOMERS = (("customer_a", "customer_b"),)


def _number(world: World) -> list[str]:
    return [world.ticket.number]


def _own_number(world: World) -> list[str]:
    return [world.ticket_b.number]


def _name(world: World) -> list[str]:
    return [world.cast.customer_a.name]


SURVEY_COMMENT = "A店问卷评论-机密"


def answer_surveys(world: World) -> None:
    """Both stores' requests answered a survey; store A's with SURVEY_COMMENT."""
    from aftersales.surveys.models import SurveyTemplate
    from aftersales.surveys.services import survey_invite, survey_respond

    template = SurveyTemplate.objects.get(code="transactional", active=True)
    for ticket, comment in ((world.ticket, SURVEY_COMMENT), (world.ticket_b, "B店问卷评论")):
        _invitation, token = survey_invite(ticket=ticket, template=template)
        values = {"csat": 5, "nps": 10, "ces": 7, "text": comment}
        survey_respond(token=token, answers={item.pk: values[item.kind] for item in template.items.all()})


def set_kpi_targets(world: World) -> None:
    """Store A's own KPI target, noted with KPI_TARGET_NOTE; store B's own."""
    from aftersales.kpi.models import KpiTarget

    for store, note in ((world.cast.store_a, KPI_TARGET_NOTE), (world.cast.store_b, "B店指标目标")):
        KpiTarget.objects.create(
            kpi_code="csat_t2b", store=store, valid_from=datetime(2026, 1, 1).date(), note=note
        )


def answer_low(world: World) -> None:
    """Store A's request resolved and answered CSAT 1: a follow-up for store A's manager."""
    from aftersales.surveys.models import SurveyTemplate
    from aftersales.surveys.services import survey_invite, survey_respond

    resolve_first(world)
    template = SurveyTemplate.objects.get(code="transactional", active=True)
    _invitation, token = survey_invite(ticket=world.ticket, template=template)
    values = {"csat": 1, "nps": 2, "ces": 2, "text": "很差"}
    survey_respond(token=token, answers={item.pk: values[item.kind] for item in template.items.all()})


MANAGERS = ("manager_a", "manager_b")
# The world's requests were registered in March 2026: one value row per store the viewer may see.
KPI_MARCH_BY_STORE = {
    "codes": "requests_received",
    "start": "2026-03-01",
    "end": "2026-04-01",
    "breakdown": "store",
}

FACTS_FILE = f"{SHOWN_SUBJECT}.csv"  # store A's import: its file name is a secret of store A
FACTS_DEAL = {
    "deal_number": "SD-A-0001",
    "date": "2026-03-02",
    "store": "store-a",
    "salesperson": SHOWN_SUBJECT,
    "vehicle_model": "EV S1",
    "vehicle_kind": "new",
    "price": "189900",
    "cost": "171500",
}


def import_store_a_deal(world: World) -> None:
    """Store A's manager imported a sales deal of store A from a file."""
    from aftersales.facts.services import facts_import_file

    data = (",".join(FACTS_DEAL) + "\n" + ",".join(FACTS_DEAL.values()) + "\n").encode()
    batch = facts_import_file(dataset="sales_deals", file_name=FACTS_FILE, data=data, by=world.cast.manager_a)
    assert batch.status == "applied", batch.errors


MANAGER_PAIRS = (("manager_a", "manager_b"),)


LIST_CASES: list[ListCase] = [
    ListCase(
        "facts:datasets", "last-import", MANAGER_PAIRS, lambda w: [FACTS_FILE], prepare=import_store_a_deal
    ),
    ListCase("facts:import", "history", MANAGER_PAIRS, lambda w: [FACTS_FILE], prepare=import_store_a_deal),
    ListCase(
        "api:facts_list",
        "sales-deals",
        MANAGER_PAIRS,
        lambda w: [FACTS_DEAL["deal_number"], SHOWN_SUBJECT],
        api=True,
        prepare=import_store_a_deal,
        args=("sales_deals",),
    ),
    ListCase(
        "service:workspace",
        "mine",
        STAFF,
        _number,
        query=lambda w: {"queue": "mine"},
        foreign_sees=_own_number,
    ),
    ListCase(
        "service:workspace",
        "team",
        STAFF,
        lambda w: [w.ticket.number, w.unassigned.number],
        query=lambda w: {"queue": "team"},
        foreign_sees=_own_number,
    ),
    ListCase(
        "service:workspace",
        "unassigned",
        STAFF,
        lambda w: [w.unassigned.number],
        query=lambda w: {"queue": "unassigned"},
    ),
    ListCase(
        "service:workspace",
        "search-number",
        STAFF,
        lambda w: [SHOWN_SUBJECT],
        query=lambda w: {"queue": "team", "q": w.ticket.number},
    ),
    ListCase(
        "service:workspace",
        "search-name",
        STAFF,
        _number,
        query=lambda w: {"queue": "team", "q": w.cast.customer_a.name},
    ),
    ListCase(
        "service:workspace",
        "search-phone",
        STAFF,
        _number,
        query=lambda w: {"queue": "team", "q": w.cast.customer_a.phone},
    ),
    ListCase(
        "service:manager",
        "overview",
        (("manager_a", "manager_b"),),
        lambda w: [w.unassigned.number],
    ),
    ListCase(
        "service:customer_search",
        "name",
        STAFF,
        lambda w: [w.cast.customer_a.phone],
        query=lambda w: {"q": w.cast.customer_a.name},
    ),
    ListCase("service:customer_search", "serial", STAFF, _name, query=lambda w: {"q": w.cast.asset_a.serial}),
    ListCase(
        "service:customer_search", "phone", STAFF, _name, query=lambda w: {"q": w.cast.customer_a.phone}
    ),
    ListCase("service:register", "search-serial", STAFF, _name, query=lambda w: {"q": w.cast.asset_a.serial}),
    ListCase(
        "surveys:results",
        "all",
        STAFF,
        lambda w: [w.ticket.number, SURVEY_COMMENT],
        foreign_sees=_own_number,
        prepare=answer_surveys,
    ),
    ListCase(
        "surveys:results",
        "search",
        STAFF,
        lambda w: [w.ticket.number],
        query=lambda w: {"q": SURVEY_COMMENT},
        prepare=answer_surveys,
    ),
    *(
        ListCase(
            "surveys:results",
            f"export-{export}",
            STAFF,
            lambda w: [w.ticket.number, SURVEY_COMMENT],
            foreign_sees=_own_number,
            query=lambda w, export=export: {"export": export},
            prepare=answer_surveys,
        )
        for export in ("csv", "xlsx")
    ),
    ListCase("surveys:campaigns", "all", (("manager_a", "manager_b"),), lambda w: [CAMPAIGN_NAME]),
    ListCase(
        "surveys:campaign_population",
        "own-store",
        (("manager_a", "manager_b"),),
        lambda w: ["Population: 1 customer matches these criteria."],
        query=lambda w: {"stores": w.cast.store_a.pk, "exclude_surveyed_days": 90},
    ),
    ListCase("service:complaints", "all", STAFF, _number, foreign_sees=_own_number, prepare=complaints_first),
    ListCase(
        "service:complaints",
        "store",
        STAFF,
        _number,
        query=lambda w: {"store": "store-a"},
        prepare=complaints_first,
    ),
    ListCase(
        "service:complaints_csv", "all", STAFF, _number, foreign_sees=_own_number, prepare=complaints_first
    ),
    ListCase(
        "service:complaints_xlsx", "all", STAFF, _number, foreign_sees=_own_number, prepare=complaints_first
    ),
    ListCase(
        "api:complaints_list",
        "all",
        STAFF,
        _number,
        foreign_sees=_own_number,
        api=True,
        prepare=complaints_first,
    ),
    ListCase(
        "api:complaints_list",
        "store",
        STAFF,
        _number,
        query=lambda w: {"store": "store-a"},
        api=True,
        prepare=complaints_first,
    ),
    # --- dashboards (aftersales/reports): scoped by visible_to; specialists see only their own requests
    ListCase(
        "reports:drill",
        "records",
        (*STAFF, *MANAGER_PAIRS),
        _number,
        query=lambda w: MARCH_2026,
        args=("requests_received", "records"),
    ),
    ListCase(
        "reports:drill",
        "store-a-asked",
        (*STAFF, *MANAGER_PAIRS),
        _number,
        query=lambda w: {**MARCH_2026, "breakdown": "store", "key": "store-a", "store": "store-a"},
        args=("response_24h_rate", "denominator"),
    ),
    ListCase(
        "reports:drill",
        "fact-records",
        MANAGER_PAIRS,
        lambda w: [FACTS_DEAL["deal_number"]],
        query=lambda w: MARCH_2026,
        args=("sales_revenue", "records"),
        prepare=import_store_a_deal,
    ),
    ListCase(
        "reports:drill",
        "fact-store-a-asked",
        MANAGER_PAIRS,
        lambda w: [FACTS_DEAL["deal_number"]],
        query=lambda w: {**MARCH_2026, "breakdown": "store", "key": "store-a", "store": "store-a"},
        args=("penetration_finance", "denominator"),
        prepare=import_store_a_deal,
    ),
    ListCase(
        "reports:business",
        "own-store",
        MANAGER_PAIRS,
        lambda w: [w.cast.store_a.name, "¥189,900"],
        query=lambda w: MARCH_2026,
        prepare=import_store_a_deal,
    ),
    ListCase(
        "reports:store",
        "own-store",
        MANAGER_PAIRS,
        lambda w: [w.cast.store_a.name],
        query=lambda w: MARCH_2026,
    ),
    ListCase(
        "reports:specialist",
        "own",
        STAFF,
        lambda w: [w.cast.specialist_a.display_name],
        query=lambda w: MARCH_2026,
    ),
    ListCase(
        "reports:quality", "fault-pareto", MANAGER_PAIRS, lambda w: ["Engine"], query=lambda w: MARCH_2026
    ),
    ListCase(
        "api:surveys_responses",
        "all",
        STAFF,
        lambda w: [w.ticket.number, w.cast.store_a.code],
        foreign_sees=_own_number,
        api=True,
        prepare=answer_surveys,
    ),
    ListCase(
        "api:surveys_responses",
        "search",
        STAFF,
        lambda w: [w.ticket.number],
        query=lambda w: {"q": SURVEY_COMMENT},
        api=True,
        prepare=answer_surveys,
    ),
    ListCase(
        "api:webhooks_list",
        "all",
        (("manager_a", "manager_b"),),
        lambda w: [WEBHOOK_NAME, WEBHOOK_URL],
        api=True,
    ),
    ListCase(
        "kpi:catalogue",
        "targets",
        (*STAFF, MANAGERS),
        lambda w: [KPI_TARGET_NOTE],
        foreign_sees=lambda w: ["B店指标目标"],
        prepare=set_kpi_targets,
    ),
    ListCase(
        "kpi:values",
        "by-store",
        (*STAFF, MANAGERS),
        lambda w: ['data-key="store-a"'],
        query=lambda w: KPI_MARCH_BY_STORE,
        foreign_sees=lambda w: ['data-key="store-b"'],
    ),
    ListCase(
        "api:kpi_values",
        "by-store",
        (*STAFF, MANAGERS),
        lambda w: ['"key": "store-a"'],
        query=lambda w: KPI_MARCH_BY_STORE,
        foreign_sees=lambda w: ['"key": "store-b"'],
        api=True,
    ),
    ListCase(
        "customers:portal_home",
        "my-requests",
        CUSTOMERS,
        _number,
        foreign_sees=_own_number,
    ),
    ListCase(
        "api:requests_list",
        "all",
        (*STAFF, *CUSTOMERS),
        _number,
        foreign_sees=_own_number,
        api=True,
    ),
    ListCase(
        "api:requests_list",
        "q",
        (*STAFF, *CUSTOMERS),
        lambda w: [SHOWN_SUBJECT],
        query=lambda w: {"q": w.ticket.number},
        api=True,
    ),
    ListCase(
        "api:requests_list",
        "customer",
        (*STAFF, *CUSTOMERS),
        _number,
        query=lambda w: {"customer": w.cast.customer_a.pk},
        api=True,
    ),
    ListCase("api:requests_list", "store", STAFF, _number, query=lambda w: {"store": "store-a"}, api=True),
    ListCase(
        "api:customers_list",
        "all",
        (*STAFF, *CUSTOMERS),
        _name,
        foreign_sees=lambda w: [w.cast.customer_b.name],
        api=True,
    ),
    ListCase(
        "api:customers_list",
        "q",
        (*STAFF, *CUSTOMERS),
        _name,
        query=lambda w: {"q": w.cast.asset_a.serial},
        api=True,
    ),
]


@dataclass(frozen=True)
class WriteCase:
    """A create that names store A's object in its body: the foreigner creates nothing and learns
    nothing; the owner's same call succeeds (so the body is valid)."""

    key: str
    variant: str
    data: Callable[[World, str], dict]
    owner: tuple[str, int]
    foreigners: tuple[str, ...] = FOREIGNERS
    api: bool = False
    args: tuple = ()  # the URL's parameters (a dataset code), none of them an object of a store

    @property
    def id(self) -> str:
        return f"{self.key}[{self.variant}]"


def _own_store(world: World, who: str) -> int:
    return (world.cast.store_a if who.endswith("_a") else world.cast.store_b).pk


WRITE_CASES: list[WriteCase] = [
    WriteCase(
        "api:facts_import",
        "sales-deal-of-store-a",
        lambda w, who: {"rows": [FACTS_DEAL]},
        owner=("manager_a", 200),
        foreigners=WITH_MANAGER_B,
        api=True,
        args=("sales_deals",),
    ),
    WriteCase(
        "service:register",
        "customer-and-asset-of-store-a",
        lambda w, who: {
            "customer": w.cast.customer_a.pk,
            "asset": w.cast.asset_a.pk,
            "store": _own_store(w, who),
            "channel": "phone",
            "kind": "repair",
            "priority": "normal",
            "subject": "new",
        },
        owner=("specialist_a", 302),
    ),
    WriteCase(
        "customers:portal_new",
        "asset-of-store-a",
        lambda w, who: {"asset": w.cast.asset_a.pk, "kind": "repair", "subject": "new"},
        owner=("customer_a", 302),
    ),
    WriteCase(
        "api:requests_create",
        "customer-and-asset-of-store-a",
        lambda w, who: {"customer": w.cast.customer_a.pk, "asset": w.cast.asset_a.pk, "subject": "new"},
        owner=("specialist_a", 201),
        api=True,
    ),
    WriteCase(
        "api:webhooks_create",
        "for-store-a",
        lambda w, who: {
            "name": "hook",
            "url": "https://hooks.example.com/x",
            "events": ["request.created"],
            "store": "store-a",
        },
        owner=("manager_a", 201),
        foreigners=WITH_MANAGER_B,
        api=True,
    ),
    WriteCase(
        "api:complaints_create",
        "customer-and-asset-of-store-a",
        lambda w, who: {
            "customer": w.cast.customer_a.pk,
            "asset": w.cast.asset_a.pk,
            "subject": "new",
            "severity": 2,
            "source": "direct",
        },
        owner=("specialist_a", 201),
        api=True,
    ),
    WriteCase(
        "api:customers_create",
        "home-store-a",
        lambda w, who: {"name": "新客户", "home_store": "store-a", "phone": "13900000009"},
        owner=("specialist_a", 201),
        api=True,
    ),
    WriteCase(
        "surveys:campaign_new",
        "customers-of-store-a",
        lambda w, who: {
            "name": "新调研",
            "topic": "service",
            "stores": [w.cast.store_a.pk],
            "exclude_surveyed_days": 0,
            "sample_size": 5,
            "batch_size": 5,
            "batch_interval_hours": 24,
        },
        owner=("manager_a", 302),
        foreigners=WITH_MANAGER_B,
    ),
]

NOT_OBJECT: dict[str, str] = {
    "home": "redirects to the workspace or the portal by role; shows no object",
    "set_language": "Django's language switch: stores a preference, shows no object",
    "accounts:login": "sign-in form",
    "accounts:logout": "sign-out (POST only)",
    "customers:web_form": "public contact form without sign-in: registers a request and never shows stored "
    "data (customers/tests/test_public_form.py)",
    "customers:web_form_done": "shows only the request this browser session registered",
    "api:api-root": "ninja's API root: always 404, only there to reverse the API's prefix",
    "surveys:answer": "survey link: the unguessable token is the permission (like customers:track); shows "
    "the questionnaire and the request number only; unknown, used or expired tokens are 404/410 "
    "(surveys/tests/test_views.py)",
    "surveys:thanks": "a fixed thank-you page: shows no object",
    "api:kpi_catalogue": "the KPI definitions as JSON: no store's data",
    "facts:template": "a blank import template: the registry's headers and example row, no stored data",
    "api:facts_datasets": "the dataset catalogue (columns, keys): describes the imports, holds no data",
    "api:surveys_form": "the questionnaire behind a survey link for integrations: the unguessable token is "
    "the permission, as for surveys:answer; reads only (surveys/tests/test_api.py)",
    "api:surveys_respond": "survey submission for integrations: the token in the body is the permission, as "
    "for surveys:answer; records once per invitation (surveys/tests/test_api.py)",
    "reports:index": "redirects to the dashboard of the person's role; shows no object",
    "reports:executive": "company-wide dashboard: executives and admins only, 403 for store staff "
    "(reports/tests/test_dashboards.py); shows figures, no record",
}

DOCS: dict[str, str] = {
    "api:openapi-json": "the OpenAPI schema: describes the API, holds no data",
    "api:openapi-view": "Swagger UI over the schema: holds no data",
}

# (reason, predicate over (key, route)): whole families of patterns owned by a framework.
RULES: list[tuple[str, Callable[[str, str], bool]]] = [
    (
        "Django admin: only is_staff users, i.e. superusers (company-wide by design, not store-scoped); "
        "store staff and customers are sent to the admin sign-in "
        "(test_admin_is_closed_to_store_staff_and_customers)",
        lambda key, route: route.startswith("admin/"),
    ),
]


def classified() -> dict[str, str]:
    """key -> category, for every key the catalogue names explicitly."""
    found: dict[str, str] = {}
    for category, keys in (
        ("object", [case.key for case in OBJECT_CASES]),
        ("list", [case.key for case in LIST_CASES]),
        ("write", [case.key for case in WRITE_CASES]),
        ("not-object", list(NOT_OBJECT)),
        ("docs", list(DOCS)),
    ):
        for key in keys:
            found.setdefault(key, category)
    return found


def rule_for(key: str, route: str) -> str | None:
    return next((reason for reason, applies in RULES if applies(key, route)), None)


# --- the catalogue against the URL configuration -----------------------------------------------------------


def test_every_route_is_classified():
    # given every pattern of the project, and the catalogue
    patterns, known = url_patterns(), classified()
    # when
    missing = [
        f"  {key!r}  (route {route!r})"
        for key, route in sorted(patterns.items())
        if key not in known and rule_for(key, route) is None
    ]
    # then
    assert not missing, (
        "These URL patterns are not in the store-isolation catalogue of "
        "aftersales/core/tests/test_route_isolation.py. Add each to OBJECT_CASES (it names an object of a "
        "store: give its URL for the world, the method and a minimal body), to LIST_CASES / WRITE_CASES "
        "(a scoped list, a write naming an object in its body) or to NOT_OBJECT with the reason:\n"
        + "\n".join(missing)
    )


def test_catalogue_has_no_stale_entries():
    # given
    patterns = url_patterns()
    # when
    stale = sorted(key for key in classified() if key not in patterns)
    idle_rules = [reason for reason, applies in RULES if not any(applies(k, r) for k, r in patterns.items())]
    # then
    assert not stale, f"catalogue entries whose URL pattern no longer exists: {stale}"
    assert not idle_rules, f"rules that match no URL pattern: {idle_rules}"


def test_no_route_is_in_two_categories():
    # given the catalogue (a route may have object, list and write cases: they are all checks of it)
    checked = {c.key for c in OBJECT_CASES} | {c.key for c in LIST_CASES} | {c.key for c in WRITE_CASES}
    patterns = url_patterns()
    groups = {"checked": checked, "NOT_OBJECT": set(NOT_OBJECT), "DOCS": set(DOCS)}
    # when
    doubled = {}
    for key in set().union(*groups.values()):
        names = [name for name, group in groups.items() if key in group]
        if key in patterns and rule_for(key, patterns[key]):
            names.append("RULES")
        if len(names) > 1:
            doubled[key] = names
    # then
    assert doubled == {}


def test_every_ticket_action_is_swept():
    # given the actions the detail page posts to service:ticket_action
    swept = {case.variant for case in OBJECT_CASES if case.key == "service:ticket_action"}
    # then a new action must get its own case
    assert swept == set(ACTIONS)


# --- the sweep ----------------------------------------------------------------------------------------------


def send(clients: Clients, who: str, method: str, url: str, data: dict | None, *, api: bool):
    client = clients.api(who) if api else clients.page(who)
    if method == "GET":
        return client.get(url, data or {})
    if method in ("PATCH", "DELETE"):
        return client.generic(method, url, json.dumps(data or {}), content_type="application/json")
    if api:
        return client.post(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


@pytest.mark.parametrize("case", OBJECT_CASES, ids=lambda case: case.id)
def test_object_route_is_404_for_another_store(case: Case, world: World, clients: Clients):
    # given store A's world in the state where the owner's call succeeds
    if case.prepare:
        case.prepare(world)
    ids = world.ids
    clients.warm(*case.foreigners, *(who for who, _status in case.owners))
    failures: list[str] = []
    # when each foreigner tries the route
    before = snapshot()
    for who in case.foreigners:
        for asked in case.foreign_ids(ids):
            url = case.url(asked)
            data = case.data(asked) if case.data else None
            response = send(clients, who, case.method, url, data, api=case.api)
            after = snapshot()
            # then nothing changed, nothing of store A is in the answer, and it is 404
            changed = changes(before, after)
            if changed:
                failures.append(f"{who} {case.method} {url} changed the database: {changed}")
            supplied = url + json.dumps(data or {}, default=str, ensure_ascii=False)
            shown = [s for s in world.secrets if s not in supplied and s in body_text(response)]
            if shown:
                failures.append(f"{who} {case.method} {url}: the answer shows store A's {shown}")
            if response.status_code != 404:
                # Would the same answer come for an object that does not exist (a role's gate), or
                # does the answer tell that this one exists?
                ghost = asked.ghost()
                other = send(
                    clients, who, case.method, case.url(ghost), case.data and case.data(ghost), api=case.api
                )
                after = snapshot()
                oracle = (
                    "the same answer as for an object that does not exist"
                    if other.status_code == response.status_code
                    else f"an object that does not exist answers {describe(other)}: the answer tells"
                )
                failures.append(f"{who} {case.method} {url}: {describe(response)}, not 404 ({oracle})")
            before = after
    # and the owners succeed: the URL and the body are right, 404 above is the scoping
    for who, expected in case.owners:
        url = case.url(ids)
        response = send(clients, who, case.method, url, case.data and case.data(ids), api=case.api)
        if response.status_code != expected:
            failures.append(
                f"anchor: {who} {case.method} {url}: {describe(response)}, expected {expected}"
                f"\n{body_text(response)[:600]}"
            )
    if case.effect and not case.effect(world):
        failures.append(f"anchor: the owner's {case.method} did not take effect")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", LIST_CASES, ids=lambda case: case.id)
def test_list_shows_only_the_viewers_store(case: ListCase, world: World, clients: Clients):
    # given store A's world
    if case.prepare:
        case.prepare(world)
    query = case.query(world)
    supplied = json.dumps(query, ensure_ascii=False)
    failures: list[str] = []
    for owner, foreigner in case.pairs:
        # when
        mine = send(clients, owner, "GET", case.url(), query, api=case.api)
        theirs = send(clients, foreigner, "GET", case.url(), query, api=case.api)
        # then the owner sees store A's rows
        mine_text, theirs_text = body_text(mine), body_text(theirs)
        if mine.status_code != 200 or not all(s in mine_text for s in case.owner_sees(world)):
            failures.append(f"anchor: {owner} {describe(mine)} does not show {case.owner_sees(world)}")
        # and the foreigner none of store A's data, but their own
        shown = [s for s in world.secrets if s not in supplied and s in theirs_text]
        if theirs.status_code != 200 or shown:
            failures.append(f"{foreigner} {describe(theirs)} shows store A's {shown}")
        if not all(s in theirs_text for s in case.foreign_sees(world)):
            failures.append(f"anchor: {foreigner} does not see their own {case.foreign_sees(world)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", WRITE_CASES, ids=lambda case: case.id)
def test_write_naming_another_stores_object_changes_nothing(case: WriteCase, world: World, clients: Clients):
    # given
    owner, expected = case.owner
    clients.warm(owner, *case.foreigners)
    failures: list[str] = []
    # when each foreigner posts store A's objects
    for who in case.foreigners:
        data = case.data(world, who)
        before = snapshot()
        response = send(clients, who, "POST", reverse(case.key, args=case.args), data, api=case.api)
        after = snapshot()
        # then nothing is written and nothing of store A is shown (the status may be a form error, a
        # refusal or a role's redirect: the unchanged database is the proof)
        changed = changes(before, after)
        if changed:
            failures.append(f"{who} changed the database: {changed}")
        supplied = json.dumps(data, default=str, ensure_ascii=False)
        shown = [s for s in world.secrets if s not in supplied and s in body_text(response)]
        if shown:
            failures.append(f"{who}: the answer shows store A's {shown}")
    # and the owner's same call succeeds
    response = send(
        clients, owner, "POST", reverse(case.key, args=case.args), case.data(world, owner), api=case.api
    )
    if response.status_code != expected:
        failures.append(
            f"anchor: {owner} {describe(response)}, expected {expected}\n{body_text(response)[:600]}"
        )
    assert not failures, "\n".join(failures)


ADMIN_PAGES = [
    ("admin:index", lambda w: []),
    ("admin:service_ticket_changelist", lambda w: []),
    ("admin:service_ticket_change", lambda w: [w.ticket.pk]),
    ("admin:service_visit_change", lambda w: [w.visit.pk]),
    ("admin:service_partusage_change", lambda w: [w.part.pk]),
    ("admin:customers_customer_change", lambda w: [w.cast.customer_a.pk]),
    ("admin:customers_asset_change", lambda w: [w.cast.asset_a.pk]),
]


@pytest.mark.parametrize("name,args", ADMIN_PAGES, ids=[name for name, _args in ADMIN_PAGES])
def test_admin_is_closed_to_store_staff_and_customers(name, args, world: World, clients: Clients):
    # given an admin page of store A's object
    url = reverse(name, args=args(world))
    login = reverse("admin:login")
    failures = []
    for who in ("specialist_b", "manager_b", "customer_b", "specialist_a", "manager_a"):
        # when
        response = clients.page(who).get(url)
        # then the admin's sign-in page, nothing else
        if response.status_code != 302 or not response["Location"].startswith(login):
            failures.append(f"{who} GET {url}: {describe(response)}")
    # and the superuser gets the page (the URL is right)
    response = clients.page("admin").get(url)
    if response.status_code != 200:
        failures.append(f"anchor: admin GET {url}: {describe(response)}")
    assert not failures, "\n".join(failures)
