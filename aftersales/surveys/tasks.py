"""Background tasks: each takes plain values, calls one service, and is safe to run twice."""

from django_tasks import task


@task()
def survey_dispatch_task() -> dict:
    from aftersales.surveys.services import survey_dispatch

    return survey_dispatch()


@task()
def campaign_batches_task() -> dict:
    from aftersales.surveys.campaigns import campaign_batches_send

    return campaign_batches_send()
