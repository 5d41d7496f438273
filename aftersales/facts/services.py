"""Importing business data: a file (page, command) or JSON rows (API), all-or-nothing.

Every import leaves one `ImportBatch` behind: applied (the rows are written, created or updated by their
natural key), dry run (validated and counted, nothing written) or failed (every error kept, nothing
written). The rows of an applied import are written in one transaction together with its batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.core.staleness import stale_days_mark
from aftersales.facts import writer
from aftersales.facts.datasets import DATASETS, Dataset
from aftersales.facts.models import ImportBatch
from aftersales.facts.permissions import can_import, store_scope
from aftersales.facts.readers import FileError, read_table
from aftersales.facts.validation import RowError, Validated, validate_records, validate_table

# progress(phase, done, total): phase is "validate" or "write"
Progress = Callable[[str, int, int], None]


def dataset_for(code: str, *, by: User | None) -> Dataset:
    dataset = DATASETS.get(code)
    if dataset is None:
        raise ApplicationError(
            _("There is no dataset “%(code)s”; the datasets are: %(codes)s")
            % {"code": code, "codes": ", ".join(DATASETS)},
            field="dataset",
        )
    if not can_import(by, dataset):
        raise NotAllowed(_("You may not import %(dataset)s.") % {"dataset": dataset.title}, field="dataset")
    return dataset


def facts_import_file(
    *,
    dataset: str,
    file_name: str,
    data: bytes,
    by: User | None,
    dry_run: bool = False,
    source: str = ImportBatch.Source.UPLOAD,
    progress: Progress | None = None,
) -> ImportBatch:
    started = time.monotonic()
    spec = dataset_for(dataset, by=by)
    try:
        table = read_table(file_name, data)
    except FileError as exc:
        validated = Validated(errors=[RowError(None, "", "", exc.message)])
    else:
        total = max(len(table.rows) - 1, 0)
        validated = validate_table(
            spec,
            table,
            scope=store_scope(by),
            progress=(lambda done: progress("validate", done, total)) if progress else None,
        )
    return _apply(
        spec,
        validated,
        by=by,
        source=source,
        file_name=file_name,
        file_size=len(data),
        dry_run=dry_run,
        started=started,
        progress=progress,
    )


def facts_import_records(
    *,
    dataset: str,
    records: list[dict],
    by: User | None,
    dry_run: bool = False,
    source: str = ImportBatch.Source.API,
) -> ImportBatch:
    started = time.monotonic()
    spec = dataset_for(dataset, by=by)
    validated = validate_records(spec, records, scope=store_scope(by))
    return _apply(
        spec,
        validated,
        by=by,
        source=source,
        file_name="",
        file_size=0,
        dry_run=dry_run,
        started=started,
        progress=None,
    )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _apply(
    spec: Dataset,
    validated: Validated,
    *,
    by: User | None,
    source: str,
    file_name: str,
    file_size: int,
    dry_run: bool,
    started: float,
    progress: Progress | None,
) -> ImportBatch:
    batch = ImportBatch(
        dataset=spec.code,
        source=source,
        by=by,
        file_name=file_name[:255],
        file_size=file_size,
        rows_total=validated.total,
    )
    if validated.errors:
        return _failed(batch, validated.errors, started)
    work = writer.plan(spec, validated.rows)
    batch.rows_created, batch.rows_updated = len(work.inserts), len(work.updates)
    if dry_run:
        batch.status = ImportBatch.Status.DRY_RUN
        batch.duration_ms = _elapsed_ms(started)
        batch.save()
        return batch
    total = len(validated.rows)
    try:
        with transaction.atomic():
            batch.status = ImportBatch.Status.APPLIED
            batch.save()
            days_left = writer.days_left(spec, work)
            writer.write(
                spec,
                work,
                batch_id=batch.pk,
                progress=(lambda done: progress("write", done, total)) if progress else None,
            )
            # The KPI values of every day the import wrote to (or moved a row away from) are stale.
            stale_days_mark(days_left | writer.batch_days(spec, batch.pk))
            batch.duration_ms = _elapsed_ms(started)
            batch.save(update_fields=["duration_ms", "updated_at"])
    except DatabaseError as exc:
        # Validation checks what the constraints check; this is a race with another import of the
        # same new key, or a rule the validation misses. Nothing of this import is written.
        batch.pk = None
        batch.rows_created = batch.rows_updated = 0
        reason = _("The database refused the rows, nothing was written: %(error)s") % {"error": exc}
        return _failed(batch, [RowError(None, "", "", reason)], started)
    return batch


def _failed(batch: ImportBatch, errors: list[RowError], started: float) -> ImportBatch:
    batch.status = ImportBatch.Status.FAILED
    batch.errors = [error.as_dict() for error in errors]
    batch.error_count = len(errors)
    batch.duration_ms = _elapsed_ms(started)
    batch.save()
    return batch
