"""Attachments: size and type limits checked on the bytes, stored under a random name outside any
public URL, served only through a permission-checked view."""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.service.models import Attachment, Ticket
from aftersales.service.permissions import can_work_on, is_ticket_customer
from aftersales.service.services.state import event_record

# The content type is decided from the first bytes, never from the name or the browser's claim.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
    (b"RIFF", "image/webp"),
)


def sniff_content_type(head: bytes, filename: str) -> str:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    if len(head) > 8 and head[4:8] == b"ftyp":
        return "video/mp4"
    if PurePath(filename).suffix.lower() in {".txt", ".log"}:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


@transaction.atomic
def attachment_add(*, ticket: Ticket, by: User, upload: UploadedFile) -> Attachment:
    if not (is_ticket_customer(by, ticket) or can_work_on(by, ticket)):
        raise NotAllowed(_("You may not add files to this service request."))
    name = PurePath(upload.name or "file").name[:200]
    if upload.size is None or upload.size == 0:
        raise ApplicationError(_("'%(name)s' is empty.") % {"name": name}, field="attachment")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
        raise ApplicationError(
            _("'%(name)s' is larger than %(limit)s.") % {"name": name, "limit": limit},
            field="attachment",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head, name)
    if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        allowed = ", ".join(settings.ATTACHMENT_ALLOWED_TYPES)
        raise ApplicationError(
            _("'%(name)s' is not an allowed file type (allowed: %(allowed)s).")
            % {"name": name, "allowed": allowed},
            field="attachment",
        )
    attachment = Attachment(
        ticket=ticket,
        uploaded_by=by,
        storage_key=secrets.token_hex(16),
        filename=name,
        content_type=content_type,
        size=upload.size,
    )
    attachment.file.save(attachment.storage_key, upload, save=False)
    attachment.save()
    event_record(
        ticket=ticket, type="attachment_added", actor=by, payload={"attachment": attachment.pk, "name": name}
    )
    return attachment
