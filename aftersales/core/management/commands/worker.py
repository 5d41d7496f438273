"""`aftersales worker`: enqueue due periodic jobs (core.schedule) and run queued background tasks.

Each loop: enqueue the jobs that are due, then run queued tasks of every database task backend until
the queue is empty, then sleep `--interval` seconds. `--once` does one loop and exits (tests, cron).
SIGTERM / SIGINT finish the task in hand and exit cleanly.
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from aftersales.core.schedule import enqueue_due_jobs

logger = logging.getLogger("aftersales.worker")


def database_backend_aliases() -> list[str]:
    """Aliases of the configured task backends that keep their queue in the database."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return [alias for alias in task_backends.settings if isinstance(task_backends[alias], DatabaseBackend)]


class Command(BaseCommand):
    help = "Run periodic jobs and background tasks (the database task queue)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="one loop: enqueue due jobs, run queued tasks, exit"
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds to sleep between loops (default: 5)"
        )

    def handle(self, *args, once: bool, interval: float, verbosity: int, **options):
        if interval < 0:
            raise CommandError("--interval must be zero or more")
        self._configure_logging(verbosity)
        self.stopping = False
        self.current = None  # the django_tasks_db Worker draining a queue right now
        self.worker_id = f"aftersales-{get_random_string(12)}"
        aliases = database_backend_aliases()
        if not aliases:
            logger.info("No database task backend configured: tasks run where they are enqueued.")
        if not once:
            previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
            logger.info("Worker %s started (interval %ss)", self.worker_id, interval)
        try:
            while not self.stopping:
                try:
                    self._loop(aliases)
                except Exception:
                    if once:
                        raise
                    # e.g. the database restarting: keep the worker alive and try again next loop
                    logger.exception("Worker loop failed; retrying in %ss", interval)
                if once:
                    break
                self._sleep(interval)
        finally:
            if not once:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
                logger.info("Worker %s stopped", self.worker_id)

    def _loop(self, aliases: list[str]) -> None:
        close_old_connections()
        try:
            enqueue_due_jobs()
        except Exception:  # a broken schedule must not stop the queue from draining
            logger.exception("Enqueuing periodic jobs failed")
        for alias in aliases:
            if self.stopping:
                break
            self._drain(alias)
        close_old_connections()

    def _drain(self, alias: str) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.current = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name=alias,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        try:
            self.current.run()
        finally:
            self.current = None

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.25))

    def _stop(self, signum, frame) -> None:
        logger.info("Received %s: finishing the current task, then exiting", signal.strsignal(signum))
        self.stopping = True
        if self.current is not None:
            self.current.running = False  # its loop ends after the task in hand

    def _configure_logging(self, verbosity: int) -> None:
        # Output goes through settings.LOGGING (the console); -v only sets how much.
        level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("aftersales.worker", "django_tasks_db", "django_tasks"):
            logging.getLogger(name).setLevel(level)
