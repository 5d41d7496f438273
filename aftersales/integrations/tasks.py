"""Background tasks: each takes plain values, calls the services, and is safe to run twice."""

from django_tasks import task


@task()
def webhooks_task() -> dict:
    from aftersales.core import clock
    from aftersales.integrations.services import webhook_deliveries_send, webhook_events_collect

    collected = webhook_events_collect(now=clock.now())
    sent = webhook_deliveries_send(now=clock.now())
    return {"collected": collected, "sent": sent}
