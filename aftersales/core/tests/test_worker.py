"""The periodic schedule and `aftersales worker`: due jobs are enqueued once, then run from the DB queue."""

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from aftersales.core import schedule
from aftersales.core.models import PeriodicJobRun
from aftersales.core.schedule import PeriodicJob, enqueue_due_jobs
from aftersales.core.tests import sample_tasks

SAMPLE = PeriodicJob("sample", timedelta(minutes=10), "aftersales.core.tests.sample_tasks.record_call")
BROKEN = PeriodicJob("broken", timedelta(minutes=1), "aftersales.nowhere.tasks.missing_task")
NOT_A_TASK = PeriodicJob("not-a-task", timedelta(minutes=1), "aftersales.core.tests.sample_tasks.not_a_task")
START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def db_queue(settings):
    """Tasks go to the database queue (as in production) instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    sample_tasks.calls.clear()
    yield
    sample_tasks.calls.clear()


def queued(job: PeriodicJob) -> int:
    return DBTaskResult.objects.filter(task_path=job.task_path).count()


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_and_not_again_before_its_interval(db_queue, frozen_clock):
    # given a job that never ran
    frozen_clock(START)
    # when the worker loops three times within its interval
    first = enqueue_due_jobs([SAMPLE])
    frozen_clock.advance(minutes=9, seconds=59)
    second = enqueue_due_jobs([SAMPLE])
    third = enqueue_due_jobs([SAMPLE])
    # then it was enqueued by the first loop only
    assert (first, second, third) == (["sample"], [], [])
    assert queued(SAMPLE) == 1
    assert PeriodicJobRun.objects.get(name="sample").last_enqueued_at == frozen_clock.now - timedelta(
        minutes=9, seconds=59
    )


@pytest.mark.django_db
def test_a_job_is_enqueued_again_once_its_interval_has_passed(db_queue, frozen_clock):
    frozen_clock(START)
    enqueue_due_jobs([SAMPLE])
    frozen_clock.advance(minutes=10)
    assert enqueue_due_jobs([SAMPLE]) == ["sample"]
    assert queued(SAMPLE) == 2


@pytest.mark.django_db
def test_after_a_long_downtime_a_missed_job_runs_once_not_once_per_missed_interval(db_queue, frozen_clock):
    # given a 10-minute job last enqueued before three days of downtime
    frozen_clock(START)
    enqueue_due_jobs([SAMPLE])
    frozen_clock.advance(days=3)
    # when the worker comes back and loops twice
    caught_up = enqueue_due_jobs([SAMPLE])
    again = enqueue_due_jobs([SAMPLE])
    # then one catch-up run, and the next one is due a full interval later
    assert (caught_up, again) == (["sample"], [])
    assert queued(SAMPLE) == 2
    assert PeriodicJobRun.objects.get(name="sample").last_enqueued_at == frozen_clock.now


@pytest.mark.django_db
def test_two_workers_racing_for_a_due_job_enqueue_it_once(db_queue, frozen_clock, monkeypatch):
    # given worker 1 has read the row (last run at START) ...
    frozen_clock(START)
    enqueue_due_jobs([SAMPLE])
    stale = PeriodicJobRun.objects.get(name="sample")
    frozen_clock.advance(minutes=10)
    # ... and worker 2 enqueued the due job meanwhile
    assert enqueue_due_jobs([SAMPLE]) == ["sample"]
    # when worker 1 acts on what it read
    monkeypatch.setattr(PeriodicJobRun.objects, "get_or_create", lambda **kwargs: (stale, False))
    # then its compare-and-set finds the row changed and it enqueues nothing
    assert enqueue_due_jobs([SAMPLE]) == []
    assert queued(SAMPLE) == 2


@pytest.mark.django_db
def test_a_job_whose_task_cannot_be_imported_is_logged_and_skipped(db_queue, frozen_clock, caplog):
    frozen_clock(START)
    with caplog.at_level(logging.ERROR, logger="aftersales.worker"):
        enqueued = enqueue_due_jobs([BROKEN, NOT_A_TASK, SAMPLE])
    assert enqueued == ["sample"]
    assert "aftersales.nowhere.tasks.missing_task" in caplog.text
    assert "not a django-tasks task" in caplog.text
    # and it stays due, so it runs as soon as a fixed release makes the path importable
    assert PeriodicJobRun.objects.get(name="broken").last_enqueued_at is None


# transaction=True: the worker closes stale connections between loops, as in production, which a
# test wrapped in one transaction would not survive (on PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_worker_once_enqueues_due_jobs_and_runs_them_from_the_database_queue(
    db_queue, frozen_clock, monkeypatch
):
    # given the schedule holds a job that cannot be imported and one that can
    monkeypatch.setattr(schedule, "JOBS", [BROKEN, SAMPLE])
    frozen_clock(START)
    # when
    call_command("worker", "--once", verbosity=0)
    # then the task ran in the worker and its result is stored
    assert sample_tasks.calls == ["record_call"]
    result = DBTaskResult.objects.get(task_path=SAMPLE.task_path)
    assert (result.status, result.return_value) == ("SUCCESSFUL", "recorded")
    # and a second pass within the interval has nothing to do
    call_command("worker", "--once", verbosity=0)
    assert sample_tasks.calls == ["record_call"]


def test_the_schedule_declares_every_periodic_job():
    assert [(job.name, job.every, job.task_path, job.enabled_by) for job in schedule.JOBS] == [
        ("sla-scan", timedelta(minutes=1), "aftersales.service.tasks.sla_scan_task", ""),
        ("survey-dispatch", timedelta(minutes=10), "aftersales.surveys.tasks.survey_dispatch_task", ""),
        ("survey-campaigns", timedelta(minutes=10), "aftersales.surveys.tasks.campaign_batches_task", ""),
        ("webhooks", timedelta(minutes=1), "aftersales.integrations.tasks.webhooks_task", ""),
        (
            "complaint-escalation",
            timedelta(minutes=1),
            "aftersales.service.tasks.complaint_escalation_task",
            "",
        ),
        ("kpi-snapshots", timedelta(minutes=1), "aftersales.kpi.tasks.kpi_snapshots_task", ""),
        ("kpi-reconcile", timedelta(hours=24), "aftersales.kpi.tasks.kpi_reconcile_task", ""),
        (
            "mail-poll",
            timedelta(minutes=1),
            "aftersales.service.tasks.mail_poll_task",
            "AFTERSALES_IMAP_HOST",
        ),
    ]


@pytest.mark.django_db
def test_a_job_enabled_by_a_setting_runs_only_while_the_setting_is_set(db_queue, frozen_clock, settings):
    # given a job that runs only when an IMAP host is configured, and none is
    job = PeriodicJob("polling", timedelta(minutes=1), SAMPLE.task_path, enabled_by="AFTERSALES_IMAP_HOST")
    settings.AFTERSALES_IMAP_HOST = ""
    frozen_clock(START)
    # then it is not enqueued, nor even tracked
    assert enqueue_due_jobs([job]) == []
    assert not PeriodicJobRun.objects.filter(name="polling").exists()
    # once a host is configured it is due at once
    settings.AFTERSALES_IMAP_HOST = "imap.example.com"
    assert enqueue_due_jobs([job]) == ["polling"]
    assert queued(job) == 1


def test_worker_exits_cleanly_on_sigterm(tmp_path: Path):
    # given a worker running against its own database (only the schedule's table: tasks stay in memory)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AFTERSALES_INSECURE_DEV_KEY": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
    }
    root = Path(__file__).resolve().parents[3]
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "core", "-v0"], env=env, cwd=root, check=True, timeout=120)
    worker = subprocess.Popen(
        [*manage, "worker", "--interval", "60"],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        started = time.monotonic()
        while not worker_has_looped(tmp_path / "worker.sqlite3") and time.monotonic() - started < 30:
            time.sleep(0.2)
        # when
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
    # then
    assert worker.returncode == 0, output
    assert "stopped" in output


def worker_has_looped(database: Path) -> bool:
    try:
        with sqlite3.connect(database) as connection:
            return bool(connection.execute("select count(*) from core_periodicjobrun").fetchone()[0])
    except sqlite3.Error:
        return False
