"""`aftersales mail poll` against a real IMAP server (our own Dovecot on loopback, see dovecot.py):
messages delivered by IMAP APPEND become requests, replies and logged drops through the same
`mail_ingest` as the MTA pipe, and are marked processed on the server only once that has committed."""

import os
import re
import subprocess
import sys
from base64 import b64encode
from email.message import EmailMessage
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.service.mail import imap as imap_module
from aftersales.service.management.commands import mail as mail_command
from aftersales.service.models import Comment, InboundMessage, Ticket
from aftersales.service.tasks import mail_poll_task
from aftersales.service.tests import dovecot

ROOT = Path(__file__).resolve().parents[3]


def message(
    *, sender: str, message_id: str, subject="空调不制冷", body="您好，空调开了半小时还是热风。", **headers
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "service@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def gbk_message() -> bytes:
    """As a Chinese webmail sends it: GBK body in base64, subject and name in RFC 2047 (labelled gb2312)."""
    name = b64encode("王先生".encode("gbk")).decode()
    subject = b64encode("热水器漏水".encode("gbk")).decode()
    body = b64encode("热水器底部一直在滴水，麻烦尽快上门。".encode("gbk")).decode()
    return (
        f"From: =?gb2312?B?{name}?= <wang@example.cn>\r\n"
        "To: service@example.test\r\n"
        f"Subject: =?gb2312?B?{subject}?=\r\n"
        "Message-ID: <gbk-1@example.cn>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=gbk\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f"\r\n{body}\r\n"
    ).encode("ascii")


def poll() -> str:
    out = StringIO()
    call_command("mail", "poll", "--once", stdout=out)
    return out.getvalue().strip()


def summary(**counts) -> str:
    fields = ["fetched", "created", "threaded", "dropped", "quarantined", "duplicates", "left"]
    return ", ".join(f"{name} {counts.get(name, 0)}" for name in fields)


def test_new_mail_replies_auto_replies_and_gbk_mail_are_ingested_and_flagged_seen(cast, imap):
    # given four messages in the mailbox: a request, its reply, an out-of-office answer, a GBK request
    customer = cast.customer_a.email
    imap.deliver(message(sender=customer, message_id="<new-1@mail.example>"))
    imap.deliver(
        message(
            sender=customer,
            message_id="<reply-1@mail.example>",
            subject="Re: 空调不制冷",
            body="补充：型号是 KFR-35GW。",
            In_Reply_To="<new-1@mail.example>",
        )
    )
    imap.deliver(message(sender=customer, message_id="<ooo-1@mail.example>", Auto_Submitted="auto-replied"))
    imap.deliver(gbk_message())
    # when the mailbox is polled
    output = poll()
    # then one request per new message, the reply on the first, the automatic answer dropped
    assert output == summary(fetched=4, created=2, threaded=1, dropped=1)
    first, gbk = Ticket.objects.order_by("pk")
    assert (first.customer, first.channel, first.subject) == (cast.customer_a, "email", "空调不制冷")
    assert list(Comment.objects.filter(ticket=first).values_list("body", flat=True)) == [
        "补充：型号是 KFR-35GW。"
    ]
    assert (gbk.customer.name, gbk.customer.email, gbk.subject, gbk.description) == (
        "王先生",
        "wang@example.cn",
        "热水器漏水",
        "热水器底部一直在滴水，麻烦尽快上门。",
    )
    assert InboundMessage.objects.get(message_id="<ooo-1@mail.example>").outcome == "dropped_auto_reply"
    # and every message is flagged \Seen and left where it was
    assert imap.messages() == [
        ("<new-1@mail.example>", {r"\Seen"}),
        ("<reply-1@mail.example>", {r"\Seen"}),
        ("<ooo-1@mail.example>", {r"\Seen"}),
        ("<gbk-1@example.cn>", {r"\Seen"}),
    ]
    # and a second poll finds nothing to do
    assert poll() == summary()
    assert (Ticket.objects.count(), Comment.objects.count(), InboundMessage.objects.count()) == (2, 1, 4)


def test_processed_mail_can_be_moved_to_a_folder_created_on_first_use(cast, imap, settings):
    settings.AFTERSALES_IMAP_PROCESSED = "move"
    settings.AFTERSALES_IMAP_PROCESSED_FOLDER = "已处理"
    imap.deliver(message(sender=cast.customer_a.email, message_id="<m-1@mail.example>"))
    imap.deliver(message(sender=cast.customer_b.email, message_id="<m-2@mail.example>"))
    assert poll() == summary(fetched=2, created=2)
    assert imap.messages() == []
    assert imap.messages("&XfJZBHQG-") == [("<m-1@mail.example>", set()), ("<m-2@mail.example>", set())]
    # the folder exists now; a new message joins the others
    imap.deliver(message(sender=cast.customer_a.email, message_id="<m-3@mail.example>"))
    assert poll() == summary(fetched=1, created=1)
    assert [message_id for message_id, _flags in imap.messages("&XfJZBHQG-")] == [
        "<m-1@mail.example>",
        "<m-2@mail.example>",
        "<m-3@mail.example>",
    ]


def test_processed_mail_can_be_deleted(cast, imap, settings):
    settings.AFTERSALES_IMAP_PROCESSED = "delete"
    imap.deliver(message(sender=cast.customer_a.email, message_id="<d-1@mail.example>"))
    assert poll() == summary(fetched=1, created=1)
    assert imap.messages() == []
    assert Ticket.objects.count() == 1


def test_the_mailbox_name_is_encoded_for_imap():
    assert imap_module.imap_utf7("已处理") == "&XfJZBHQG-"
    assert (
        imap_module.imap_utf7("A&B 售后/2026") == "A&-B &VS5UDg-/2026"
    )  # 售 U+552E 后 U+540E: base64 of 55 2E 54 0E


def test_a_run_takes_at_most_a_batch_oldest_first(cast, imap, settings):
    settings.AFTERSALES_IMAP_BATCH = 2
    for number in (1, 2, 3):
        imap.deliver(message(sender=cast.customer_a.email, message_id=f"<b-{number}@mail.example>"))
    assert poll() == summary(fetched=2, created=2, left=1)
    assert imap.messages() == [
        ("<b-1@mail.example>", {r"\Seen"}),
        ("<b-2@mail.example>", {r"\Seen"}),
        ("<b-3@mail.example>", set()),
    ]
    assert poll() == summary(fetched=1, created=1)


def test_a_crash_after_ingest_before_marking_does_not_duplicate_the_request(cast, imap, monkeypatch):
    # given the connection breaks right after the message was ingested, before it is flagged
    imap.deliver(message(sender=cast.customer_a.email, message_id="<crash-1@mail.example>"))
    mark_processed = imap_module.Mailbox.mark_processed

    def connection_lost(self, uid):
        self.connection.shutdown()
        mark_processed(self, uid)

    monkeypatch.setattr(imap_module.Mailbox, "mark_processed", connection_lost)
    # when the poll runs, it fails with one line saying what happened
    with pytest.raises(CommandError) as failure:
        poll()
    assert re.fullmatch(
        r"message UID \d+ was ingested but could not be marked processed \(IMAP STORE on 127.0.0.1:\d+ "
        r"failed: .+\); the next poll fetches it again and recognises it as a duplicate",
        str(failure.value),
    )
    # then the request exists and the message is still unprocessed on the server
    ticket = Ticket.objects.get()
    assert imap.messages() == [("<crash-1@mail.example>", set())]
    # when the next poll runs normally
    monkeypatch.setattr(imap_module.Mailbox, "mark_processed", mark_processed)
    assert poll() == summary(fetched=1, duplicates=1)
    # then no second request, and the message is flagged now
    assert list(Ticket.objects.all()) == [ticket]
    assert InboundMessage.objects.count() == 1
    assert imap.messages() == [("<crash-1@mail.example>", {r"\Seen"})]


def test_a_message_ingest_cannot_handle_stays_unprocessed(cast, imap, monkeypatch):
    imap.deliver(message(sender=cast.customer_a.email, message_id="<db-1@mail.example>"))

    def database_down(*, raw):
        raise RuntimeError("connection to the database lost")

    monkeypatch.setattr(imap_module, "mail_ingest", database_down)
    with pytest.raises(
        CommandError, match=r"^ingesting message UID \d+ failed \(connection to the database lost\)"
    ):
        poll()
    assert imap.messages() == [("<db-1@mail.example>", set())]
    assert not InboundMessage.objects.exists()


def test_an_oversized_message_is_quarantined_and_marked_processed(cast, imap, settings):
    settings.AFTERSALES_MAIL_MAX_BYTES = 300
    raw = message(sender=cast.customer_a.email, message_id="<big-1@mail.example>", body="很长的邮件。" * 50)
    imap.deliver(raw)
    assert poll() == summary(fetched=1, quarantined=1)
    row = InboundMessage.objects.get()
    assert (row.outcome, row.message_id) == ("quarantined", "<big-1@mail.example>")
    assert row.reason.startswith("message of ") and "larger than the limit of 300 bytes" in row.reason
    assert bytes(row.raw).replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert imap.messages() == [("<big-1@mail.example>", {r"\Seen"})]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_the_servers_certificate_authority(cast, imap, settings, security):
    settings.AFTERSALES_IMAP_SECURITY = security
    settings.AFTERSALES_IMAP_PORT = imap.ssl_port if security == "ssl" else imap.port
    settings.AFTERSALES_IMAP_CA_FILE = str(imap.cert)
    imap.deliver(message(sender=cast.customer_a.email, message_id="<tls-1@mail.example>"))
    assert poll() == summary(fetched=1, created=1)


def test_a_certificate_no_authority_vouches_for_is_refused(cast, imap, settings):
    settings.AFTERSALES_IMAP_SECURITY = "ssl"
    settings.AFTERSALES_IMAP_PORT = imap.ssl_port
    with pytest.raises(CommandError, match=rf"^TLS with the IMAP server 127.0.0.1:{imap.ssl_port} failed: "):
        poll()


def test_a_missing_mailbox_is_a_clear_error(imap, settings):
    settings.AFTERSALES_IMAP_MAILBOX = "Support"
    with pytest.raises(CommandError) as failure:
        poll()
    assert (
        str(failure.value)
        == f"mailbox 'Support' on 127.0.0.1:{imap.port} cannot be opened: Mailbox doesn't exist: Support"
    )


def test_without_a_host_there_is_nothing_to_poll(settings):
    settings.AFTERSALES_IMAP_HOST = ""
    with pytest.raises(CommandError, match="^AFTERSALES_IMAP_HOST is not set: no mailbox to poll$"):
        poll()


def console(imap, **overrides) -> subprocess.CompletedProcess:
    """`aftersales mail poll --once` as an operator runs it (a new process, settings from the environment)."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AFTERSALES_INSECURE_DEV_KEY": "true",
        "AFTERSALES_IMAP_HOST": "127.0.0.1",
        "AFTERSALES_IMAP_PORT": str(imap.port),
        "AFTERSALES_IMAP_SECURITY": "none",
        "AFTERSALES_IMAP_USER": dovecot.USER,
        "AFTERSALES_IMAP_PASSWORD": dovecot.PASSWORD,
        **overrides,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "mail", "poll", "--once"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_console_command_fails_with_one_line_and_no_traceback(imap):
    wrong_password = console(imap, AFTERSALES_IMAP_PASSWORD="guess")
    unreachable = console(imap, AFTERSALES_IMAP_PORT=str(dovecot.free_port()))
    assert (wrong_password.returncode, wrong_password.stdout, wrong_password.stderr) == (
        1,
        "",
        f"CommandError: IMAP login as '{dovecot.USER}' on 127.0.0.1:{imap.port} failed: "
        "[AUTHENTICATIONFAILED] Authentication failed.\n",
    )
    assert (unreachable.returncode, unreachable.stdout) == (1, "")
    assert unreachable.stderr.startswith("CommandError: cannot connect to the IMAP server 127.0.0.1:")
    assert unreachable.stderr.endswith(": Connection refused\n")


def test_the_loop_polls_again_after_the_interval_and_stops_on_a_signal(cast, imap, monkeypatch):
    # given one message now and one that arrives while the loop sleeps
    imap.deliver(message(sender=cast.customer_a.email, message_id="<loop-1@mail.example>"))
    sleeps = []

    def sleep(command, seconds):
        sleeps.append(seconds)
        if len(sleeps) == 1:
            imap.deliver(message(sender=cast.customer_b.email, message_id="<loop-2@mail.example>"))
        else:
            command._stop(15, None)  # SIGTERM while sleeping

    monkeypatch.setattr(mail_command.Command, "_sleep", sleep)
    out = StringIO()
    call_command("mail", "poll", "--interval", "30", stdout=out)
    assert out.getvalue().splitlines() == [summary(fetched=1, created=1), summary(fetched=1, created=1)]
    assert sleeps == [30, 30]
    assert Ticket.objects.count() == 2


def test_the_loop_stops_on_a_wrong_password(imap, settings):
    settings.AFTERSALES_IMAP_PASSWORD = "guess"
    with pytest.raises(CommandError, match="failed: \\[AUTHENTICATIONFAILED\\]"):
        call_command("mail", "poll", "--interval", "0")


def test_the_worker_task_polls_the_mailbox(cast, imap):
    imap.deliver(message(sender=cast.customer_a.email, message_id="<task-1@mail.example>"))
    result = mail_poll_task.enqueue()
    assert result.return_value == {
        "fetched": 1,
        "created": 1,
        "threaded": 0,
        "dropped": 0,
        "quarantined": 0,
        "duplicates": 0,
        "left": 0,
    }
    assert imap.messages() == [("<task-1@mail.example>", {r"\Seen"})]


def test_the_loop_rides_out_an_unreachable_server(imap, settings, monkeypatch):
    settings.AFTERSALES_IMAP_PORT = dovecot.free_port()  # nothing listens there
    monkeypatch.setattr(mail_command.Command, "_sleep", lambda command, seconds: command._stop(15, None))
    err = StringIO()
    call_command("mail", "poll", "--interval", "30", stderr=err)
    assert err.getvalue() == (
        f"cannot connect to the IMAP server 127.0.0.1:{settings.AFTERSALES_IMAP_PORT}: Connection refused; "
        "trying again in 30 s\n"
    )
