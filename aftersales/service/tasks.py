"""Background tasks: each takes plain values, calls one service, and is safe to run twice."""

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_email_task(*, to: list[str], subject: str, body: str, headers: dict[str, str] | None = None) -> int:
    return EmailMessage(subject=subject, body=body, to=to, headers=headers or {}).send()


@task()
def sla_scan_task() -> dict:
    from aftersales.service.services.escalation import sla_scan

    return sla_scan()


@task()
def complaint_escalation_task() -> dict:
    from aftersales.service.services.complaints import complaint_escalation_scan

    return complaint_escalation_scan()


@task()
def mail_poll_task() -> dict:
    """The worker's `mail-poll` job (scheduled only when AFTERSALES_IMAP_HOST is set)."""
    from aftersales.service.mail.imap import mail_poll

    return mail_poll().as_dict()
