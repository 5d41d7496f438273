"""`aftersales import DATASET FILE [--dry-run] [--by USERNAME]`: import an .xlsx or .csv of business data.

A progress bar (rows, rows/s) goes to stderr, the summary to stdout. When the file has errors, each is
listed (row, column, value, reason), nothing is written, and the exit code is 1.
"""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from aftersales.core.errors import ApplicationError
from aftersales.facts.datasets import DATASETS
from aftersales.facts.models import ImportBatch
from aftersales.facts.services import facts_import_file

BAR_WIDTH = 30


class ProgressBar:
    """One line on stderr, redrawn at most every `interval` seconds: phase, bar, rows and rows/s."""

    def __init__(self, stream, *, interval: float = 0.2):
        self.stream = stream
        self.interval = interval
        self.phase = ""
        self.phase_started = self.last_seen = time.monotonic()
        self.drawn_at = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self.phase:
            if self.phase:
                self.stream.write("\n")
            # the phase began when the previous one last reported (or when the import began)
            self.phase, self.phase_started = phase, self.last_seen
        self.last_seen = now
        if done < total and now - self.drawn_at < self.interval:
            return
        self.drawn_at = now
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        rate = done / max(now - self.phase_started, 1e-3)
        self.stream.write(
            f"\r{phase:<8} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} rows  {rate:,.0f} rows/s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.phase:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import an .xlsx or .csv file of business data (sales deals, inventory, attendance, ...)."
    requires_system_checks = []  # only the models are needed; start fast

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="one of: " + ", ".join(DATASETS))
        parser.add_argument("file", help="an .xlsx or .csv file (see `docs/imports.md` for the columns)")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--by", default="", help="record the import as made by this username")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No user with the username {options['by']!r}.")
        bar = ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        try:
            batch = facts_import_file(
                dataset=options["dataset"],
                file_name=path.name,
                data=path.read_bytes(),
                by=by,
                dry_run=options["dry_run"],
                source=ImportBatch.Source.COMMAND,
                progress=bar,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        seconds = batch.duration_ms / 1000
        if batch.status == ImportBatch.Status.FAILED:
            for error in batch.errors:
                where = f"row {error['row']}" if error["row"] is not None else "file"
                column = f", column {error['column']}" if error["column"] else ""
                value = f", value {error['value']!r}" if error["value"] else ""
                self.stderr.write(f"{where}{column}{value}: {error['reason']}")
            raise CommandError(
                f"{path.name}: {batch.error_count} error(s) in {batch.rows_total} rows; nothing was written."
            )
        verb = "would create" if batch.status == ImportBatch.Status.DRY_RUN else "created"
        updated = "would update" if batch.status == ImportBatch.Status.DRY_RUN else "updated"
        self.stdout.write(
            f"{batch.dataset}: {batch.rows_total} rows from {path.name} in {seconds:.1f} s: "
            f"{verb} {batch.rows_created}, {updated} {batch.rows_updated}"
            + (" (dry run, nothing written)" if batch.status == ImportBatch.Status.DRY_RUN else "")
        )
