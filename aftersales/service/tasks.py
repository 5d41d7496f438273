"""Background tasks: each takes plain values, calls one service, and is safe to run twice."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email_task(*, to: list[str], subject: str, body: str) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


@task()
def sla_scan_task() -> dict:
    from aftersales.service.services.escalation import sla_scan

    return sla_scan()
