from datetime import datetime

import pytest
from django.db import transaction

from aftersales.service.notifications import _send_after_commit
from aftersales.service.services.tickets import ticket_register


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
