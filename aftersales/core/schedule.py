"""The periodic jobs, declared in one place, and the rule that decides when one is due.

`aftersales worker` calls `enqueue_due_jobs()` on every loop. A job is due when it was never enqueued or
was last enqueued at least `every` ago; it is then enqueued once, even if the worker was down for many
intervals (a catch-up run, not a burst). Each job names a django-tasks task by dotted path, imported
only when due, so `core` imports nothing from the apps above it; a path that cannot be imported is
logged and skipped, never fatal to the worker.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from aftersales.core import clock

logger = logging.getLogger("aftersales.worker")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task_path: str  # dotted path to a django-tasks Task, e.g. "aftersales.service.tasks.sla_scan_task"
    enabled_by: str = ""  # a setting: while it is empty the job is not scheduled at all


JOBS: list[PeriodicJob] = [
    PeriodicJob("sla-scan", timedelta(minutes=1), "aftersales.service.tasks.sla_scan_task"),
    PeriodicJob("survey-dispatch", timedelta(minutes=10), "aftersales.surveys.tasks.survey_dispatch_task"),
    PeriodicJob("survey-campaigns", timedelta(minutes=10), "aftersales.surveys.tasks.campaign_batches_task"),
    PeriodicJob("webhooks", timedelta(minutes=1), "aftersales.integrations.tasks.webhooks_task"),
    PeriodicJob(
        "complaint-escalation", timedelta(minutes=1), "aftersales.service.tasks.complaint_escalation_task"
    ),
    # KPI snapshots: the periods writes marked stale, each minute; everything recent, once a day (the
    # values right-censoring changes as time passes, with no write to mark them: ADR 0009).
    PeriodicJob("kpi-snapshots", timedelta(minutes=1), "aftersales.kpi.tasks.kpi_snapshots_task"),
    PeriodicJob("kpi-reconcile", timedelta(hours=24), "aftersales.kpi.tasks.kpi_reconcile_task"),
    PeriodicJob(
        "mail-poll",
        timedelta(seconds=settings.AFTERSALES_IMAP_INTERVAL),
        "aftersales.service.tasks.mail_poll_task",
        enabled_by="AFTERSALES_IMAP_HOST",
    ),
]


# Paths already reported as broken, so a worker looping every few seconds logs each one once.
_reported_broken: set[str] = set()


def _resolve(job: PeriodicJob):
    try:
        task = import_string(job.task_path)
    except ImportError as exc:
        if job.task_path not in _reported_broken:
            _reported_broken.add(job.task_path)
            logger.error("Periodic job %s skipped: cannot import %s (%s)", job.name, job.task_path, exc)
        return None
    if not callable(getattr(task, "enqueue", None)):
        if job.task_path not in _reported_broken:
            _reported_broken.add(job.task_path)
            logger.error("Periodic job %s skipped: %s is not a django-tasks task", job.name, job.task_path)
        return None
    return task


def is_due(last_enqueued_at, every: timedelta, now) -> bool:
    return last_enqueued_at is None or now - last_enqueued_at >= every


def enqueue_due_jobs(jobs: list[PeriodicJob] | None = None) -> list[str]:
    """Enqueue every due job once; return the names of the jobs this call enqueued."""
    from aftersales.core.models import PeriodicJobRun

    enqueued = []
    for job in JOBS if jobs is None else jobs:
        if job.enabled_by and not getattr(settings, job.enabled_by):
            continue
        now = clock.now()
        run, _ = PeriodicJobRun.objects.get_or_create(name=job.name)
        if not is_due(run.last_enqueued_at, job.every, now):
            continue
        task = _resolve(job)
        if task is None:
            continue
        try:
            with transaction.atomic():
                # Compare-and-set: only the worker that still sees the value it read advances it.
                claimed = PeriodicJobRun.objects.filter(
                    pk=run.pk, last_enqueued_at=run.last_enqueued_at
                ).update(last_enqueued_at=now, updated_at=now)
                if not claimed:
                    continue
                task.enqueue()
        except Exception:
            # The row update rolled back with the failed enqueue, so the next loop tries again.
            logger.exception("Periodic job %s could not be enqueued", job.name)
            continue
        logger.info("Enqueued periodic job %s (%s)", job.name, job.task_path)
        enqueued.append(job.name)
    return enqueued
