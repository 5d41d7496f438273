"""Attachments are never under a public URL: this view streams one after checking who asks."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from aftersales.service.models import Attachment, Ticket


@login_required
@require_GET
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """Staff who may see the request get any of its files; its customer only the files shown to them.
    Anyone else gets 404, the same answer as for a file that does not exist."""
    ticket = Ticket.objects.visible_to(request.user).filter(number=number).first()
    if ticket is None:
        raise Http404
    files = Attachment.objects.filter(ticket=ticket)
    if not request.user.is_staff_member:
        files = files.filter(visible_to_customer=True)
    attachment = files.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
