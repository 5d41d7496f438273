"""Outgoing mail through a real SMTP server on loopback (aiosmtpd): the customer's mail client gets
the headers it groups a request's mails by, and a reply to them finds its request again."""

import socket
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from aftersales.service.mail.ingest import mail_ingest
from aftersales.service.models import Comment
from aftersales.service.services.tickets import ticket_register, ticket_reply


class Recorder:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield recorder
    controller.stop()


def test_mails_about_a_request_share_a_thread_and_a_reply_finds_it(
    cast, default_policy, frozen_clock, smtp_server, django_capture_on_commit_callbacks
):
    # given a registered request and a reply from the specialist, sent through SMTP
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_register(
            by=cast.specialist_a,
            store=cast.store_a,
            customer=cast.customer_a,
            channel="phone",
            subject="异响",
            fault_category=cast.engine,
        )
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, by=cast.specialist_a, body="请问异响出现在什么时候？")
    # then the customer got two mails in one thread
    received = [message_from_bytes(raw, policy=policy.default) for raw in smtp_server.messages]
    to_customer = [m for m in received if m["To"] == cast.customer_a.email]
    root = f"<{ticket.number}.thread@aftersales.localhost>"
    assert [(m["In-Reply-To"], m["References"]) for m in to_customer] == [(root, root), (root, root)]
    assert to_customer[0]["Auto-Submitted"] == "auto-generated"
    assert to_customer[1]["Auto-Submitted"] is None  # a person wrote this one
    # when the customer answers the specialist's mail from their mail client, without the number
    answer = EmailMessage()
    answer["From"] = cast.customer_a.email
    answer["To"] = "service@aftersales.localhost"
    answer["Subject"] = "Re: 您的服务请求"
    answer["Message-ID"] = "<answer-1@mail.example>"
    answer["In-Reply-To"] = to_customer[1]["Message-ID"]
    answer["References"] = f"{root} {to_customer[1]['Message-ID']}"
    answer.set_content("早上冷车启动的时候。")
    mail_ingest(raw=answer.as_bytes())
    # then it is on the request
    assert list(Comment.objects.filter(ticket=ticket, from_customer=True).values_list("body", flat=True)) == [
        "早上冷车启动的时候。"
    ]
