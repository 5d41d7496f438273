"""Email in through the service `mail_ingest` and the MTA pipe `aftersales mail ingest`: new requests,
replies threaded onto their request, automatic mail and loops dropped with a log row, and anything
that cannot be processed kept in quarantine with its raw bytes."""

from base64 import b64encode
from datetime import datetime
from email.message import EmailMessage
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from aftersales.customers.models import Customer
from aftersales.service.mail import ingest
from aftersales.service.mail.ingest import mail_ingest
from aftersales.service.models import Attachment, Comment, InboundMessage, Ticket, TicketEvent
from aftersales.service.services.tickets import ticket_log_call, ticket_wait

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def mail(
    *,
    sender="customer_a@example.com",
    subject="洗衣机不转了",
    body="您好，洗衣机昨天开始不转了。",
    message_id="<m1@mail.example.com>",
    attachments=(),
    **headers,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "service@acme.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    for filename, content, (maintype, subtype) in attachments:
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


@pytest.fixture
def request_by_mail(cast):
    return mail_ingest(raw=mail(sender=f"孙先生 <{cast.customer_a.email}>")).ticket


def test_a_new_message_from_a_known_customer_creates_a_request(cast):
    result = mail_ingest(raw=mail(sender=f"孙先生 <{cast.customer_a.email.upper()}>"))
    assert result.outcome == "created"
    ticket = result.ticket
    assert (ticket.channel, ticket.customer, ticket.store) == ("email", cast.customer_a, cast.store_a)
    assert ticket.subject == "洗衣机不转了"
    assert ticket.description == "您好，洗衣机昨天开始不转了。"
    assert ticket.number.startswith("SR")
    row = InboundMessage.objects.get()
    assert (row.message_id, row.outcome, row.ticket, row.raw) == (
        "<m1@mail.example.com>",
        "created",
        ticket,
        None,
    )
    assert ticket.events.filter(type="created").exists()


def test_an_unknown_sender_becomes_a_customer_of_the_first_store(cast):
    result = mail_ingest(raw=mail(sender="李女士 <li@example.org>"))
    customer = Customer.objects.get(email="li@example.org")
    assert customer.name == "李女士"
    assert customer.home_store == cast.store_a  # store-a is first by code
    assert result.ticket.customer == customer and result.ticket.store == cast.store_a


def test_an_unknown_sender_without_a_name_is_named_by_the_address(cast):
    mail_ingest(raw=mail(sender="zhao@example.org"))
    assert Customer.objects.get(email="zhao@example.org").name == "zhao"


def test_the_default_store_for_new_customers_is_configurable(cast, settings):
    settings.AFTERSALES_MAIL_DEFAULT_STORE = "store-b"
    result = mail_ingest(raw=mail(sender="li@example.org"))
    assert result.ticket.store == cast.store_b


def test_unknown_senders_can_be_quarantined_instead(cast, settings):
    settings.AFTERSALES_MAIL_UNKNOWN_SENDER = "quarantine"
    raw = mail(sender="li@example.org")
    result = mail_ingest(raw=raw)
    assert result.outcome == "quarantined"
    assert "unknown sender" in result.reason
    assert bytes(InboundMessage.objects.get().raw) == raw
    assert not Ticket.objects.exists() and not Customer.objects.filter(email="li@example.org").exists()


def test_a_duplicate_message_id_is_ignored(cast):
    first = mail_ingest(raw=mail())
    again = mail_ingest(raw=mail())
    assert again.outcome == "duplicate"
    assert again.ticket == first.ticket
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_reply_threads_by_in_reply_to_and_resumes_a_request_waiting_on_the_customer(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = mail_ingest(raw=mail()).ticket
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="请提供照片")
    ticket_wait(ticket=ticket, by=cast.specialist_a, on="pending_customer")
    frozen_clock(datetime(2026, 3, 2, 11, 0))
    reply = mail(
        subject="Re: 洗衣机不转了",
        body="照片见附件",
        message_id="<m2@mail.example.com>",
        In_Reply_To="<m1@mail.example.com>",
        References="<m1@mail.example.com>",
        attachments=[("照片.png", PNG, ("image", "png"))],
    )
    result = mail_ingest(raw=reply)
    assert (result.outcome, result.ticket) == ("threaded", ticket)
    comment = Comment.objects.get(ticket=ticket)
    assert comment.from_customer and comment.body == "照片见附件"
    assert comment.author == cast.customer_a.user
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    types = list(ticket.events.values_list("type", flat=True))
    assert types[-3:] == ["customer_replied", "attachment_added", "status_changed"]
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "照片.png",
        "image/png",
        len(PNG),
    )
    assert attachment.file.read() == PNG


def test_a_reply_threads_by_the_number_in_the_subject(cast, request_by_mail):
    ticket = request_by_mail
    result = mail_ingest(raw=mail(subject=f"回复：[{ticket.number}] 进展？", message_id="<m3@x>"))
    assert (result.outcome, result.ticket) == ("threaded", ticket)
    event = ticket.events.get(type=TicketEvent.Type.CUSTOMER_REPLIED)
    assert event.payload["channel"] == "email" and event.payload["message_id"] == "<m3@x>"


def test_a_reply_from_someone_else_is_quarantined_not_appended(cast, request_by_mail):
    ticket = request_by_mail
    result = mail_ingest(
        raw=mail(sender="evil@example.org", subject=f"[{ticket.number}] hi", message_id="<e@x>")
    )
    assert result.outcome == "quarantined"
    assert "not the customer" in result.reason
    assert not Comment.objects.exists()


def test_a_reply_to_an_unknown_number_is_quarantined(cast):
    result = mail_ingest(raw=mail(subject="[SR2611-999999] hi"))
    assert result.outcome == "quarantined" and "SR2611-999999" in result.reason


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({"Auto_Submitted": "auto-replied"}, "dropped_auto_reply"),
        ({"X_Autoreply": "yes"}, "dropped_auto_reply"),
        ({"Precedence": "bulk"}, "dropped_auto_reply"),
        ({"Return_Path": "<>"}, "dropped_bounce"),
        ({"sender": "MAILER-DAEMON@mx.example.com"}, "dropped_bounce"),
        ({"X_Aftersales_Ticket": "SR2603-000001"}, "dropped_loop"),
    ],
)
def test_automatic_mail_is_dropped_with_a_log_row(cast, headers, outcome):
    result = mail_ingest(raw=mail(**headers))
    assert result.outcome == outcome and result.reason
    row = InboundMessage.objects.get()
    assert (row.outcome, row.ticket, row.raw) == (outcome, None, None)
    assert not Ticket.objects.exists()


def test_a_delivery_status_report_is_dropped(cast):
    from aftersales.service.tests.test_mail_parse import BOUNCE

    assert mail_ingest(raw=BOUNCE).outcome == "dropped_bounce"
    assert not Ticket.objects.exists()


def test_more_than_five_messages_from_one_sender_in_ten_minutes_is_a_loop(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    outcomes = []
    for n in range(6):
        frozen_clock.advance(minutes=1)
        outcomes.append(mail_ingest(raw=mail(message_id=f"<loop{n}@x>", subject=f"第{n}封")).outcome)
    assert outcomes == ["created"] * 5 + ["dropped_loop"]
    frozen_clock.advance(minutes=10)
    assert mail_ingest(raw=mail(message_id="<later@x>")).outcome == "created"


def test_an_over_limit_or_disallowed_attachment_is_skipped_with_a_note(cast, settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    raw = mail(
        attachments=[
            ("big.png", PNG, ("image", "png")),
            ("tool.exe", b"MZ\x90\x00", ("application", "octet-stream")),
            ("ok.pdf", b"%PDF-1.4 ok", ("application", "pdf")),
        ]
    )
    ticket = mail_ingest(raw=raw).ticket
    assert list(ticket.attachments.values_list("filename", flat=True)) == ["ok.pdf"]
    assert "Attachment 'big.png' was skipped: it is larger than 50\xa0bytes." in ticket.description
    assert "Attachment 'tool.exe' was skipped: not an allowed file type." in ticket.description


def test_chinese_gb2312_html_only_mail_becomes_a_readable_request(cast):
    html = "<p>您好：</p><p>热水器<b>不出热水</b></p><script>alert(1)</script>"
    raw = (
        f"From: =?gb2312?B?{b64encode('孙先生'.encode('gb2312')).decode()}?= "
        f"<{cast.customer_a.email}>\r\n"
        "Subject: =?GB2312?B?" + b64encode("热水器故障".encode("gb2312")).decode() + "?=\r\n"
        "Message-ID: <gb@x>\r\nContent-Type: text/html; charset=GB2312\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64encode(html.encode("gb2312")).decode()
    ).encode("ascii")
    ticket = mail_ingest(raw=raw).ticket
    assert ticket.subject == "热水器故障"
    assert ticket.description == "您好：\n热水器不出热水"


def test_a_message_without_from_is_quarantined_with_its_raw_bytes(cast):
    raw = b"Subject: hi\r\nMessage-ID: <nofrom@x>\r\n\r\nbody\r\n"
    result = mail_ingest(raw=raw)
    assert result.outcome == "quarantined" and result.reason == "no From address"
    row = InboundMessage.objects.get()
    assert (row.message_id, bytes(row.raw)) == ("<nofrom@x>", raw)


def test_an_undecodable_message_is_quarantined(cast):
    raw = b"From: a@example.org\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n\xff\xff\xff\r\n"
    result = mail_ingest(raw=raw)
    assert result.outcome == "quarantined" and "decode" in result.reason
    assert bytes(InboundMessage.objects.get().raw) == raw


def test_an_exception_while_processing_quarantines_and_writes_nothing_else(cast, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(ingest, "ticket_register", broken)
    raw = mail(sender="li@example.org")
    result = mail_ingest(raw=raw)
    assert result.outcome == "quarantined" and "database on fire" in result.reason
    assert not Customer.objects.filter(email="li@example.org").exists()  # rolled back
    assert bytes(InboundMessage.objects.get(outcome="quarantined").raw) == raw


def run_command(raw: bytes) -> str:
    out = StringIO()
    call_command("mail", "ingest", stdin=BytesIO(raw), stdout=out)
    return out.getvalue()


def test_command_creates_a_request_from_standard_input(cast):
    output = run_command(mail())
    ticket = Ticket.objects.get()
    assert output.startswith(f"created {ticket.number}")


def test_command_ingests_each_file_given_in_one_process_and_names_the_ones_that_failed(cast, tmp_path):
    # given two messages in files, an empty file and a missing one
    (tmp_path / "1.eml").write_bytes(mail(sender="a@example.org"))
    (tmp_path / "2.eml").write_bytes(mail(sender="b@example.org", message_id="<two@example.org>"))
    (tmp_path / "empty.eml").write_bytes(b"")
    paths = [str(tmp_path / name) for name in ("1.eml", "2.eml", "empty.eml", "missing.eml")]
    out = StringIO()
    # when
    with pytest.raises(CommandError, match=r"2 of 4 files failed: .*empty\.eml, .*missing\.eml"):
        call_command("mail", "ingest", *paths, stdout=out)
    # then both messages became requests; the two bad files are named on their lines
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == 2
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{paths[0]}: created {numbers[0]}"
    assert lines[1] == f"{paths[1]}: created {numbers[1]}"
    assert lines[2] == f"{paths[2]}: failed (the file is empty)"
    assert lines[3].startswith(f"{paths[3]}: failed (") and "No such file" in lines[3]


def test_command_exits_zero_on_drop_and_quarantine(cast):
    assert run_command(mail(Auto_Submitted="auto-replied")).startswith("dropped_auto_reply")
    assert run_command(b"Subject: no sender\r\n\r\nx\r\n").startswith("quarantined")
    assert InboundMessage.objects.filter(outcome="quarantined").count() == 1


def test_command_fails_only_on_an_internal_error(cast, monkeypatch):
    from aftersales.service.management.commands import mail as command

    def broken(**kwargs):
        raise RuntimeError("no database")

    monkeypatch.setattr(command, "mail_ingest", broken)
    with pytest.raises(CommandError, match="no database"):
        run_command(mail())
    with pytest.raises(CommandError, match="no message"):
        run_command(b"")


def test_a_reply_is_stored_without_the_quoted_original(cast, request_by_mail):
    ticket = request_by_mail
    body = "已经换了插座，还是不转。\n\n在 2026年3月2日 10:00，Acme 售后 写道：\n> 请检查电源"
    mail_ingest(raw=mail(subject=f"Re: [{ticket.number}]", body=body, message_id="<q@x>"))
    assert Comment.objects.get(ticket=ticket).body == "已经换了插座，还是不转。"


def test_a_message_over_the_size_limit_is_quarantined_unparsed_with_its_bytes(cast, settings, monkeypatch):
    # given a limit of 2,000 bytes and a message of a few hundred bytes more
    settings.AFTERSALES_MAIL_MAX_BYTES = 2000
    raw = mail(
        sender=cast.customer_a.email,
        subject="photos",
        message_id="<big@mail.example.com>",
        attachments=[("a.png", PNG + b"\x01" * 1500, ("image", "png"))],
    )
    assert 2000 < len(raw) < 3000
    monkeypatch.setattr(ingest.parse, "parse_mail", None)  # it must not even be parsed
    # when
    result = mail_ingest(raw=raw)
    # then it is kept for an administrator, with what its headers say and every byte
    assert result.outcome == "quarantined"
    assert result.reason == f"message of {len(raw)} bytes is larger than the limit of 2000 bytes (not parsed)"
    row = InboundMessage.objects.get()
    assert (row.message_id, row.from_address, row.subject, bytes(row.raw)) == (
        "<big@mail.example.com>",
        cast.customer_a.email,
        "photos",
        raw,
    )
    assert not Ticket.objects.exists()
    # and delivered again (an MTA retry, an IMAP re-fetch), it is a duplicate, not a second row
    assert mail_ingest(raw=raw).outcome == "duplicate"
    assert InboundMessage.objects.count() == 1


def test_a_message_at_the_size_limit_is_processed(cast, settings):
    raw = mail(sender=cast.customer_a.email)
    settings.AFTERSALES_MAIL_MAX_BYTES = len(raw)
    assert mail_ingest(raw=raw).outcome == "created"


def test_an_unreadable_message_delivered_twice_is_quarantined_once(cast):
    raw = b"Subject: no sender\r\nMessage-ID: <twice@x>\r\n\r\nbody\r\n"
    assert [mail_ingest(raw=raw).outcome for _ in range(2)] == ["quarantined", "duplicate"]
    assert InboundMessage.objects.count() == 1


def test_command_quarantines_an_oversized_message(cast, settings):
    settings.AFTERSALES_MAIL_MAX_BYTES = 100
    raw = mail()
    assert run_command(raw) == (
        f"quarantined (message of {len(raw)} bytes is larger than the limit of 100 bytes (not parsed))\n"
    )
    assert bytes(InboundMessage.objects.get().raw) == raw
