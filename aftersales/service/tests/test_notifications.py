from datetime import datetime

import pytest
from django.core.mail import BadHeaderError
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from aftersales.service.notifications import _send_after_commit
from aftersales.service.services.tickets import ticket_register
from aftersales.service.tasks import send_emails_task


def test_the_mails_of_one_registration_are_queued_together_after_commit(
    cast, default_policy, frozen_clock, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = ticket_register(
            by=cast.specialist_a,
            store=cast.store_a,
            customer=cast.customer_a,
            channel="phone",
            subject="异响",
            fault_category=cast.engine,
        )
    # then nothing went out before the commit, and one callback carries both mails
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [(m.to, ticket.number in m.subject) for m in mailoutbox] == [
        ([cast.customer_a.email], True),
        ([cast.specialist_a.email], True),
    ]
    # automatic mail says so (RFC 3834) and names the request, so email-in knows it when it bounces back
    root = f"<{ticket.number}.thread@aftersales.localhost>"
    for message in mailoutbox:
        headers = message.extra_headers
        assert (headers["Auto-Submitted"], headers["X-Aftersales-Ticket"]) == (
            "auto-generated",
            ticket.number,
        )
        assert (headers["In-Reply-To"], headers["References"]) == (root, root)
        assert headers["Message-ID"].startswith("<") and headers["Message-ID"].endswith(
            "@aftersales.localhost>"
        )
    assert mailoutbox[0].extra_headers["Message-ID"] != mailoutbox[1].extra_headers["Message-ID"]


def test_a_mail_of_a_rolled_back_savepoint_is_dropped(db, django_capture_on_commit_callbacks, mailoutbox):
    # when one mail is queued, then a second inside a savepoint that rolls back
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            _send_after_commit(to=["kept@example.com"], subject="kept", body="-")
            with pytest.raises(RuntimeError), transaction.atomic():
                _send_after_commit(to=["dropped@example.com"], subject="dropped", body="-")
                raise RuntimeError("roll back")
    # then
    assert [m.to for m in mailoutbox] == [["kept@example.com"]]


def test_the_mails_of_one_transaction_are_one_row_of_the_database_queue(
    db, settings, django_capture_on_commit_callbacks, mailoutbox
):
    # given the production queue (a row per task in the database)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # when one transaction queues two mails
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _send_after_commit(to=["one@example.com"], subject="one", body="-")
        _send_after_commit(to=["two@example.com"], subject="two", body="-")
    # then one task carries both, and running it sends both
    row = DBTaskResult.objects.get()
    assert row.task_path == "aftersales.service.tasks.send_emails_task"
    assert [message["to"] for message in row.args_kwargs["kwargs"]["messages"]] == [
        ["one@example.com"],
        ["two@example.com"],
    ]
    assert mailoutbox == []
    assert send_emails_task.call(**row.args_kwargs["kwargs"]) == 2
    assert [m.to for m in mailoutbox] == [["one@example.com"], ["two@example.com"]]


def test_a_failing_mail_does_not_hold_back_the_others_of_its_task(mailoutbox):
    # given three mails, the second with a header that cannot be sent
    messages = [
        {"to": ["one@example.com"], "subject": "one", "body": "-"},
        {"to": ["two@example.com"], "subject": "two", "body": "-", "headers": {"X-Bad": "a\nb"}},
        {"to": ["three@example.com"], "subject": "three", "body": "-"},
    ]
    # when / then the task fails, after sending the others
    with pytest.raises(BadHeaderError):
        send_emails_task.call(messages=messages)
    assert [m.to for m in mailoutbox] == [["one@example.com"], ["three@example.com"]]
