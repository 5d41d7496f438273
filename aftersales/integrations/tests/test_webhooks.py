"""Webhooks against a real HTTP receiver on 127.0.0.1: collect TicketEvent rows into deliveries, send them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from aftersales.integrations import services
from aftersales.integrations.models import WebhookCursor, WebhookDelivery, WebhookSubscription
from aftersales.integrations.services import webhook_deliveries_send, webhook_events_collect
from aftersales.integrations.tasks import webhooks_task
from aftersales.service.models import SlaPolicy, TicketEvent
from aftersales.service.services.state import event_record
from aftersales.service.services.tickets import ticket_register, ticket_reopen, ticket_resolve

MONDAY_10 = datetime(2026, 3, 2, 10, 0)


class Receiver(ThreadingHTTPServer):
    """Records every POST. `/ok` answers 200, `/error` 500, `/flaky` 500 while `failures` > 0, then 200;
    `/slow` sleeps past the test timeout."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.failures = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status = 200
        if self.path == "/error":
            status = 500
        elif self.path == "/flaky" and self.server.failures > 0:
            self.server.failures -= 1
            status = 500
        elif self.path == "/slow":
            time.sleep(1.0)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def short_timeout(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3


def subscribe(url: str, *, events=("request.created",), fmt="json", store=None, active=True, name="hook"):
    return WebhookSubscription.objects.create(
        name=name, url=url, events=list(events), format=fmt, secret="s3cret", store=store, active=active
    )


def register(cast, *, customer=None, store=None, subject="发动机故障灯亮", kind="repair"):
    SlaPolicy.objects.get_or_create(
        name="默认", defaults={"response_minutes": 1440, "resolution_minutes": 4320}
    )
    return ticket_register(
        by=cast.specialist_a if store is None else cast.specialist_b,
        store=store or cast.store_a,
        customer=customer or cast.customer_a,
        asset=(customer or cast.customer_a).assets.get(),
        channel="phone",
        kind=kind,
        subject=subject,
        fault_category=cast.engine,
    )


def test_a_json_delivery_is_signed_with_the_secret_over_the_raw_body(cast, frozen_clock, receiver):
    # given a JSON subscription to request.created and a request registered after it
    now = frozen_clock(MONDAY_10)
    subscription = subscribe(receiver.url("/ok"))
    ticket = register(cast)
    # when
    collected = webhook_events_collect(now=now)
    sent = webhook_deliveries_send(now=now)
    # then one delivery succeeded with the receiver's status code
    delivery = WebhookDelivery.objects.get()
    assert (collected, sent) == (1, {"succeeded": 1})
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.delivered_at) == (
        "succeeded",
        1,
        200,
        now,
    )
    # and the body is ours, and its signature verifies with the secret
    [request] = receiver.requests
    body = request["body"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Aftersales-Signature"] == expected
    assert request["headers"]["X-Aftersales-Event"] == "request.created"
    assert request["headers"]["X-Aftersales-Delivery"] == str(delivery.pk)
    event = TicketEvent.objects.get(ticket=ticket, type="created")
    assert json.loads(body) == {
        "id": delivery.pk,
        "event": "request.created",
        "event_id": event.pk,
        "occurred_at": "2026-03-02T02:00:00+00:00",
        "request": {
            "number": ticket.number,
            "store": "store-a",
            "subject": "发动机故障灯亮",
            "status": "assigned",
        },
    }
    assert subscription.deliveries.count() == 1


@pytest.mark.parametrize("fmt", ["wecom", "dingtalk"])
def test_group_robot_formats_post_a_plain_text_message_without_signature(cast, frozen_clock, receiver, fmt):
    # given a WeCom / DingTalk group robot subscription
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"), fmt=fmt)
    ticket = register(cast)
    # when
    webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then the robot's text message shape
    [request] = receiver.requests
    assert json.loads(request["body"]) == {
        "msgtype": "text",
        "text": {"content": f"[request.created] {ticket.number} 发动机故障灯亮"},
    }
    assert "X-Aftersales-Signature" not in request["headers"]


def test_resolved_reopened_and_breached_events_map_to_their_webhook_events(cast, frozen_clock, receiver):
    # given a subscription to every request event
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"), events=["request.resolved", "request.reopened", "request.breached"])
    ticket = register(cast)
    event_record(ticket=ticket, type="sla_breached", actor=None)
    ticket = ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-SENSOR")
    ticket_reopen(ticket=ticket, by=cast.specialist_a, reason="又亮了")
    # when
    webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then (created is not subscribed)
    assert [r["headers"]["X-Aftersales-Event"] for r in receiver.requests] == [
        "request.breached",
        "request.resolved",
        "request.reopened",
    ]


def test_a_500_is_retried_after_back_off_then_succeeds(cast, frozen_clock, receiver):
    # given a receiver that answers 500 once
    now = frozen_clock(MONDAY_10)
    receiver.failures = 1
    subscribe(receiver.url("/flaky"))
    register(cast)
    webhook_events_collect(now=now)
    # when
    first = webhook_deliveries_send(now=now)
    # then the failed attempt is recorded, the next one in 1 minute
    delivery = WebhookDelivery.objects.get()
    assert first == {"failed": 1}
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "failed",
        1,
        500,
        "HTTP 500",
    )
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    # and it is not retried before then
    assert webhook_deliveries_send(now=now + timedelta(seconds=59)) == {}
    # when the minute has passed
    later = now + timedelta(minutes=1)
    second = webhook_deliveries_send(now=later)
    # then it succeeded
    delivery.refresh_from_db()
    assert second == {"succeeded": 1}
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.delivered_at) == (
        "succeeded",
        2,
        200,
        later,
    )
    assert len(receiver.requests) == 2


def test_back_off_doubles_from_one_minute_and_gives_up_after_six_attempts(cast, frozen_clock, receiver):
    # given a receiver that always answers 500
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/error"))
    register(cast)
    webhook_events_collect(now=now)
    # when each attempt runs when due
    waits = []
    for _attempt in range(6):
        webhook_deliveries_send(now=now)
        delivery = WebhookDelivery.objects.get()
        if delivery.status == "gave_up":
            break
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    # then
    assert waits == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8, 16)]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("gave_up", 6, 500)
    assert webhook_deliveries_send(now=now + timedelta(days=1)) == {}
    assert len(receiver.requests) == 6


def test_a_timeout_is_recorded_as_a_failed_attempt_not_raised(cast, frozen_clock, receiver):
    # given a receiver slower than the timeout
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/slow"))
    register(cast)
    webhook_events_collect(now=now)
    # when
    result = webhook_deliveries_send(now=now)
    # then
    delivery = WebhookDelivery.objects.get()
    assert result == {"failed": 1}
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, None)
    assert "timed out" in delivery.last_error
    assert delivery.next_attempt_at == now + timedelta(minutes=1)


def test_a_store_subscription_receives_only_that_stores_events(cast, frozen_clock, receiver):
    # given one subscription for store B and one for every store
    now = frozen_clock(MONDAY_10)
    store_b_hook = subscribe(receiver.url("/ok"), store=cast.store_b, name="store B")
    everyone = subscribe(receiver.url("/ok"), name="all")
    # when a request is registered at store A
    register(cast)
    webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then only the company-wide subscription got it
    assert (store_b_hook.deliveries.count(), everyone.deliveries.count()) == (0, 1)
    assert len(receiver.requests) == 1


def test_collect_twice_does_not_process_an_event_twice(cast, frozen_clock, receiver):
    # given
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"))
    register(cast)
    # when
    first = webhook_events_collect(now=now)
    second = webhook_events_collect(now=now)
    # then
    assert (first, second) == (1, 0)
    assert WebhookDelivery.objects.count() == 1
    last = TicketEvent.objects.order_by("-pk").first()
    assert WebhookCursor.objects.get(name="ticket-events").last_event_id == last.pk


def test_a_stale_cursor_read_creates_nothing(cast, frozen_clock, receiver, monkeypatch):
    # given another worker advanced the cursor after this one read it
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"))
    register(cast)
    stale = WebhookCursor.objects.create(name="ticket-events", last_event_id=0)
    WebhookCursor.objects.filter(pk=stale.pk).update(last_event_id=10**9)
    monkeypatch.setattr(WebhookCursor.objects, "get_or_create", lambda **kwargs: (stale, False))
    monkeypatch.setattr(services, "_cursor_position", lambda name: 0)
    # when
    created = webhook_events_collect(now=now)
    # then
    assert (created, WebhookDelivery.objects.count()) == (0, 0)


def test_nothing_is_sent_for_an_inactive_subscription(cast, frozen_clock, receiver):
    # given one inactive subscription, and one deactivated after its delivery was collected
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"), active=False, name="off")
    later_off = subscribe(receiver.url("/ok"), name="later off")
    register(cast)
    webhook_events_collect(now=now)
    WebhookSubscription.objects.filter(pk=later_off.pk).update(active=False)
    # when
    result = webhook_deliveries_send(now=now)
    # then
    assert result == {}
    assert receiver.requests == []
    assert list(WebhookDelivery.objects.values_list("subscription__name", "status")) == [
        ("later off", "pending")
    ]


def test_events_before_a_subscription_existed_are_not_replayed(cast, frozen_clock, receiver):
    # given a request registered before the subscription
    frozen_clock(MONDAY_10)
    register(cast)
    now = frozen_clock(MONDAY_10 + timedelta(minutes=5))
    subscribe(receiver.url("/ok"))
    # when
    created = webhook_events_collect(now=now)
    # then
    assert created == 0


def test_the_task_collects_and_sends(cast, frozen_clock, receiver):
    # given
    frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"))
    register(cast)
    # when
    result = webhooks_task.call()
    # then
    assert result == {"collected": 1, "sent": {"succeeded": 1}}
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)"])
def test_only_http_and_https_urls_are_valid(db, url):
    subscription = WebhookSubscription(name="hook", url=url, events=["request.created"])
    with pytest.raises(ValidationError) as caught:
        subscription.full_clean()
    assert list(caught.value.message_dict) == ["url"]


def test_an_https_url_and_known_events_are_valid(db):
    WebhookSubscription(
        name="hook", url="https://hooks.example.com/x", events=["request.created"]
    ).full_clean()


def test_unknown_events_are_invalid(db):
    subscription = WebhookSubscription(
        name="hook", url="https://hooks.example.com/x", events=["request.eaten"]
    )
    with pytest.raises(ValidationError) as caught:
        subscription.full_clean()
    assert list(caught.value.message_dict) == ["events"]


def test_an_answered_survey_is_sent_with_its_scores(cast, frozen_clock, receiver):
    # given a subscription to survey.answered and a resolved request whose survey is answered
    from aftersales.surveys.models import SurveyTemplate
    from aftersales.surveys.services import survey_invite, survey_respond

    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"), events=["survey.answered"])
    ticket = register(cast)
    ticket = ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-SENSOR")
    template = SurveyTemplate.objects.get(code="transactional", active=True)
    _invitation, token = survey_invite(ticket=ticket, template=template)
    values = {"csat": 4, "nps": 9, "ces": 6, "text": "师傅很专业"}
    response = survey_respond(
        token=token, answers={item.pk: values[item.kind] for item in template.items.all()}
    )
    # when
    collected = webhook_events_collect(now=now)
    again = webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then
    assert (collected, again) == (1, 0)
    [request] = receiver.requests
    assert request["headers"]["X-Aftersales-Event"] == "survey.answered"
    body = json.loads(request["body"])
    assert (body["event"], body["response_id"], body["request"]["number"], body["scores"]) == (
        "survey.answered",
        response.pk,
        ticket.number,
        {"csat": 4, "nps": 9, "ces": 6},
    )


def test_a_complaint_registered_is_sent_as_complaint_opened(cast, frozen_clock, receiver):
    # given a subscription to complaints and to new requests
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"), events=["complaint.opened", "request.created"])
    # when a complaint and a repair are registered
    complaint = register(cast, kind="complaint", subject="师傅迟到")
    repair = register(cast)
    webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then the complaint is both a new request and an opened complaint; the repair only a new request
    sent = [
        (r["headers"]["X-Aftersales-Event"], json.loads(r["body"])["request"]["number"])
        for r in receiver.requests
    ]
    assert sorted(sent) == sorted(
        [
            ("request.created", complaint.number),
            ("complaint.opened", complaint.number),
            ("request.created", repair.number),
        ]
    )


def test_a_complaint_opened_by_the_complaint_service_carries_its_severity(cast, frozen_clock, receiver):
    from aftersales.service.services.complaints import complaint_open

    # given a subscription to complaints
    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/ok"), events=["complaint.opened"])
    # when a critical complaint from social media is opened
    ticket = complaint_open(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject="微博投诉：维修质量",
        severity=1,
        source="social_media",
    )
    webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then it is sent once, with severity and source
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert (body["event"], body["request"]["number"]) == ("complaint.opened", ticket.number)
    assert body["complaint"] == {"severity": 1, "source": "social_media"}


def test_an_answered_campaign_survey_names_its_campaign_and_goes_to_the_customers_home_store(
    cast, frozen_clock, receiver, django_capture_on_commit_callbacks, mailoutbox
):
    # given subscriptions of store B and store A to survey.answered, and customer_b's campaign answer
    import re

    from aftersales.surveys.campaigns import Criteria, campaign_create, campaign_sample_draw, campaign_start
    from aftersales.surveys.services import survey_respond

    now = frozen_clock(MONDAY_10)
    subscribe(receiver.url("/b"), events=["survey.answered"], store=cast.store_b, name="b")
    subscribe(receiver.url("/b-robot"), events=["survey.answered"], store=cast.store_b, fmt="wecom")
    subscribe(receiver.url("/a"), events=["survey.answered"], store=cast.store_a, name="a")
    campaign = campaign_create(
        by=cast.executive,
        name="经销商调研",
        topic="partners",
        criteria=Criteria(stores=(cast.store_b,)),
        sample_size=1,
        random_seed=1,
    )
    campaign_sample_draw(campaign=campaign, by=cast.executive)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, by=cast.executive)
    token = re.search(r"/s/([\w-]+)/", mailoutbox[-1].body).group(1)
    template = campaign.template
    values = {"nps": 8, "csat": 4, "rating": 3, "text": ""}
    response = survey_respond(
        token=token, answers={item.pk: values[item.kind] for item in template.items.all()}
    )
    # when
    collected = webhook_events_collect(now=now)
    webhook_deliveries_send(now=now)
    # then store B's subscriptions only, with the campaign instead of a request
    assert collected == 2
    sent = {request["path"]: json.loads(request["body"]) for request in receiver.requests}
    assert sorted(sent) == ["/b", "/b-robot"]
    assert sent["/b-robot"]["text"]["content"] == "[survey.answered] 经销商调研"
    body = sent["/b"]
    assert (body["response_id"], body["campaign"], body["scores"], "request" in body) == (
        response.pk,
        {"id": campaign.pk, "name": "经销商调研", "topic": "partners"},
        {"nps": 8, "csat": 4, "rating": 3},
        False,
    )
