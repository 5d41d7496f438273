"""Attachments: uploaded through the request page, streamed only to those who may see them."""

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aftersales.service.models import Attachment, TicketEvent
from aftersales.service.services.attachments import attachment_add
from aftersales.service.services.tickets import ticket_register

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def ticket(specialist_a, customer_a, store_a, default_policy, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10))
    return ticket_register(
        by=specialist_a, store=store_a, customer=customer_a, channel="phone", subject="漏水"
    )


@pytest.fixture
def photo(ticket, specialist_a):
    return attachment_add(
        ticket=ticket,
        by=specialist_a,
        upload=SimpleUploadedFile("故障照片.png", PNG, content_type="image/png"),
    )


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def download_url(attachment) -> str:
    return reverse("service:attachment_download", args=[attachment.ticket.number, attachment.pk])


def test_staff_of_the_store_get_the_exact_bytes_as_a_download(specialist_a, photo):
    # given / when
    response = client_for(specialist_a).get(download_url(photo))
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E6%95%85%E9%9A%9C%E7%85%A7%E7%89%87.png"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(PNG))


def test_staff_of_another_store_get_404(specialist_b, photo):
    # given / when
    response = client_for(specialist_b).get(download_url(photo))
    # then
    assert response.status_code == 404


def test_the_customer_gets_files_shown_to_them_only(customer_a, customer_b, photo, ticket, specialist_a):
    # given a second file kept from the customer
    internal = attachment_add(
        ticket=ticket,
        by=specialist_a,
        upload=SimpleUploadedFile("内部.pdf", b"%PDF-1.7 x", content_type="application/pdf"),
    )
    Attachment.objects.filter(pk=internal.pk).update(visible_to_customer=False)
    # when
    own = client_for(customer_a.user).get(download_url(photo))
    hidden = client_for(customer_a.user).get(download_url(internal))
    other_customer = client_for(customer_b.user).get(download_url(photo))
    # then
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PNG
    assert (hidden.status_code, other_customer.status_code) == (404, 404)


def test_attachment_id_of_another_request_is_404(specialist_a, photo, customer_a, store_a):
    # given another request of the same store
    other = ticket_register(
        by=specialist_a, store=store_a, customer=customer_a, channel="phone", subject="另一个"
    )
    # when
    response = client_for(specialist_a).get(
        reverse("service:attachment_download", args=[other.number, photo.pk])
    )
    # then
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(photo):
    # given / when
    response = client_for(None).get(download_url(photo))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_files_are_never_under_a_public_url(photo):
    # given / when / then
    assert photo.file.url.startswith("/never-served/")
    assert "故障" not in photo.file.name


def test_upload_through_the_page(specialist_a, ticket):
    # given
    upload = SimpleUploadedFile("说明.txt", "冷启动异响".encode(), content_type="text/plain")
    # when
    response = client_for(specialist_a).post(
        reverse("service:ticket_action", args=[ticket.number, "upload"]), {"attachment": upload}
    )
    # then
    attachment = Attachment.objects.get()
    assert response.status_code == 302
    assert (attachment.filename, attachment.content_type, attachment.size) == ("说明.txt", "text/plain", 15)
    assert TicketEvent.objects.filter(ticket=ticket, type="attachment_added").count() == 1


def test_oversized_upload_is_rejected_with_a_message(specialist_a, ticket, settings):
    # given a 1 MB limit and a file one byte over it
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.png", PNG[:8] + b"0" * (1024 * 1024 - 7), content_type="image/png")
    # when
    response = client_for(specialist_a).post(
        reverse("service:ticket_action", args=[ticket.number, "upload"]), {"attachment": upload}
    )
    # then
    assert response.status_code == 422
    assert (
        '<small id="upload-attachment-error" class="field-error">&#x27;big.png&#x27; is larger than 1.0\xa0MB.</small>'
        in response.content.decode()
    )
    assert Attachment.objects.count() == 0


def test_forbidden_type_is_rejected_with_a_message(specialist_a, ticket, settings):
    # given a Windows program
    upload = SimpleUploadedFile(
        "tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/octet-stream"
    )
    allowed = ", ".join(settings.ATTACHMENT_ALLOWED_TYPES)
    # when
    response = client_for(specialist_a).post(
        reverse("service:ticket_action", args=[ticket.number, "upload"]), {"attachment": upload}
    )
    # then
    assert response.status_code == 422
    assert (
        f'<small id="upload-attachment-error" class="field-error">&#x27;tool.exe&#x27; is not an allowed file type (allowed: {allowed}).</small>'
        in response.content.decode()
    )
    assert Attachment.objects.count() == 0


def test_detail_page_links_to_the_protected_download(specialist_a, photo):
    # given / when
    response = client_for(specialist_a).get(reverse("service:ticket_detail", args=[photo.ticket.number]))
    # then
    assert f'<a href="{download_url(photo)}">故障照片.png</a>' in response.content.decode()
