from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from aftersales.core.errors import ApplicationError, IllegalTransition, NotAllowed
from aftersales.service.models import Attachment, PartUsage, TicketEvent, Visit
from aftersales.service.services.attachments import attachment_add
from aftersales.service.services.tickets import ticket_register
from aftersales.service.services.work import (
    part_record,
    visit_arrive,
    visit_book,
    visit_complete,
    visit_confirm,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the product's default language is zh-hans."""
    with translation.override("en"):
        yield


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def ticket(cast, default_policy, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    return ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        asset=cast.asset_a,
        channel="phone",
        subject="冰箱不制冷",
        fault_category=cast.engine,
    )


def test_visit_booking_is_a_first_response_and_runs_to_completion(cast, ticket, frozen_clock):
    # given
    start = datetime.fromisoformat("2026-03-03T09:00:00+08:00")
    # when booked, confirmed by the customer, arrived and completed
    frozen_clock(datetime(2026, 3, 2, 10, 20))
    visit = visit_book(
        ticket=ticket,
        by=cast.specialist_a,
        technician=cast.technician_a,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    visit_confirm(visit=visit, by=cast.customer_a.user)
    frozen_clock(datetime(2026, 3, 3, 9, 30))
    visit_arrive(visit=visit, by=cast.technician_a)
    frozen_clock(datetime(2026, 3, 3, 10, 45))
    visit = visit_complete(visit=visit, by=cast.technician_a, report="更换温控器")
    # then
    visit.refresh_from_db()
    ticket.refresh_from_db()
    assert visit.status == "completed"
    assert visit.report == "更换温控器"
    assert visit.arrived_at == datetime.fromisoformat("2026-03-03T09:30:00+08:00")
    assert ticket.first_response_minutes == 20
    assert ticket.status == "in_progress"
    assert list(
        TicketEvent.objects.filter(ticket=ticket, type__startswith="visit").values_list("type", flat=True)
    ) == ["visit_booked", "visit_confirmed", "visit_arrived", "visit_completed"]


@pytest.mark.parametrize(
    ("start_offset", "length", "field"),
    [
        (timedelta(hours=-1), timedelta(hours=2), "window_start"),
        (timedelta(hours=2), timedelta(0), "window_end"),
    ],
)
def test_visit_bad_window_is_refused(cast, ticket, start_offset, length, field):
    # given
    start = datetime.fromisoformat("2026-03-02T10:00:00+08:00") + start_offset
    # when
    with pytest.raises(ApplicationError) as error:
        visit_book(
            ticket=ticket,
            by=cast.specialist_a,
            technician=cast.technician_a,
            window_start=start,
            window_end=start + length,
        )
    # then
    assert error.value.field == field
    assert Visit.objects.count() == 0
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_response_at) == ("assigned", None)


def test_visit_steps_out_of_order_are_refused(cast, ticket):
    start = datetime.fromisoformat("2026-03-03T09:00:00+08:00")
    visit = visit_book(
        ticket=ticket,
        by=cast.specialist_a,
        technician=cast.technician_a,
        window_start=start,
        window_end=start + timedelta(hours=1),
    )
    with pytest.raises(IllegalTransition):
        visit_complete(visit=visit, by=cast.technician_a, report="done")
    with pytest.raises(NotAllowed):
        visit_confirm(visit=visit, by=cast.customer_b.user)
    visit.refresh_from_db()
    assert visit.status == "booked"


def test_part_covered_share_follows_the_warranty(cast, ticket):
    # when
    part = part_record(
        ticket=ticket, by=cast.specialist_a, part_number="tc-100", quantity="2", unit_cost="85.50"
    )
    # then
    assert (part.part_number, part.quantity, part.unit_cost, part.covered_percent) == (
        "TC-100",
        Decimal("2"),
        Decimal("85.50"),
        100,
    )


@pytest.mark.parametrize(
    ("quantity", "unit_cost", "field"),
    [
        ("-1", "10", "quantity"),
        ("0", "10", "quantity"),
        ("abc", "10", "quantity"),
        ("1", "-5", "unit_cost"),
        ("1", "NaN", "unit_cost"),
    ],
)
def test_part_bad_numbers_are_refused(cast, ticket, quantity, unit_cost, field):
    with pytest.raises(ApplicationError) as error:
        part_record(
            ticket=ticket, by=cast.specialist_a, part_number="X1", quantity=quantity, unit_cost=unit_cost
        )
    assert error.value.field == field
    assert PartUsage.objects.count() == 0


def test_attachment_type_is_decided_from_the_bytes(cast, ticket, settings, tmp_path):
    # given
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }
    # when a PNG named .jpg is uploaded
    attachment = attachment_add(
        ticket=ticket, by=cast.specialist_a, upload=SimpleUploadedFile("photo.jpg", PNG, "image/jpeg")
    )
    # then
    assert (attachment.content_type, attachment.size, attachment.filename) == (
        "image/png",
        len(PNG),
        "photo.jpg",
    )
    assert attachment.file.name == f"attachments/{ticket.pk}/{attachment.storage_key}"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.html", b"<script>alert(1)</script>", "not an allowed file type"),
        ("empty.png", b"", "is empty"),
        ("big.png", PNG + b"\x00" * 2048, "larger than"),
    ],
)
def test_attachment_bad_files_are_refused(cast, ticket, settings, tmp_path, name, content, message):
    # given a 1 KiB limit for the oversized case
    settings.ATTACHMENT_MAX_BYTES = 1024
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }
    # when
    with pytest.raises(ApplicationError) as error:
        attachment_add(ticket=ticket, by=cast.specialist_a, upload=SimpleUploadedFile(name, content))
    # then
    assert message in error.value.message
    assert error.value.field == "attachment"
    assert Attachment.objects.count() == 0
    assert list(tmp_path.rglob("*")) == []
