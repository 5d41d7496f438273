"""Background tasks: each takes plain values, calls one service, and is safe to run twice."""

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_email_task(*, to: list[str], subject: str, body: str, headers: dict[str, str] | None = None) -> int:
    """One mail. Nothing queues it any more (see `send_emails_task`); kept so that rows queued before
    the upgrade still run."""
    return EmailMessage(subject=subject, body=body, to=to, headers=headers or {}).send()


@task()
def send_emails_task(*, messages: list[dict]) -> int:
    """The mails of one transaction (`service.notifications`), queued as one row. Each is sent even if
    an earlier one fails; then the first failure is raised, so that the task shows as failed."""
    sent, failures = 0, []
    for message in messages:
        try:
            sent += send_email_task.call(**message)
        except Exception as exc:  # noqa: BLE001 - any mail error; re-raised below
            failures.append(exc)
    if failures:
        raise failures[0]
    return sent


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
