"""Upsert validated rows by their natural key, in bulk, on SQLite and PostgreSQL alike.

The keys already stored are read first (that also gives the created/updated counts a dry run reports);
new rows go in as multi-row INSERTs, existing ones are UPDATEd by id with executemany. Plain SQL through
Django's connection rather than `bulk_create(update_conflicts=True)`: no model instance per row (the
100,000-row import spends its time here), and a key with an empty store (a company-wide finance row)
matches too, where ON CONFLICT would treat NULLs as distinct.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, models

from aftersales.core import clock
from aftersales.facts.datasets import Dataset

LOOKUP_CHUNK = 500
FULL_SCAN_FACTOR = 4


@dataclass
class Plan:
    inserts: list[dict]
    updates: list[tuple[int, dict]]  # (id, row)


def _key_attnames(dataset: Dataset) -> list[str]:
    return [dataset.model_field(name).attname for name in dataset.key]


def existing_ids(dataset: Dataset, keys: set[tuple]) -> dict[tuple, int]:
    """Stored rows among `keys`: key -> id. Filtered on the key's first column in chunks (one value list
    per query), matched on the whole key here."""
    attnames = _key_attnames(dataset)
    first_values = sorted({key[0] for key in keys}, key=lambda v: (v is None, str(v)))
    found: dict[tuple, int] = {}
    manager = dataset.model._default_manager
    if manager.count() <= FULL_SCAN_FACTOR * len(keys):
        # The file touches a good part of the table: one pass over its keys beats many IN lists.
        for pk, *key in manager.values_list("pk", *attnames).iterator(chunk_size=10_000):
            key = tuple(key)
            if key in keys:
                found[key] = pk
        return found
    for start in range(0, len(first_values), LOOKUP_CHUNK):
        chunk = first_values[start : start + LOOKUP_CHUNK]
        condition = {f"{attnames[0]}__in": [v for v in chunk if v is not None]}
        queryset = manager.filter(**condition)
        if None in chunk:
            queryset = queryset | manager.filter(**{f"{attnames[0]}__isnull": True})
        for pk, *key in queryset.values_list("pk", *attnames):
            key = tuple(key)
            if key in keys:
                found[key] = pk
    return found


def plan(dataset: Dataset, rows: list[dict]) -> Plan:
    attnames = _key_attnames(dataset)
    keys = {tuple(row[name] for name in attnames) for row in rows}
    stored = existing_ids(dataset, keys)
    result = Plan(inserts=[], updates=[])
    for row in rows:
        pk = stored.get(tuple(row[name] for name in attnames))
        if pk is None:
            result.inserts.append(row)
        else:
            result.updates.append((pk, row))
    return result


def _adapters(dataset: Dataset, names: list[str]) -> list[Callable | None]:
    """Per column, how a validated value becomes a query parameter: the backend's adapter for dates and
    decimals, nothing for the rest (str, int, bool and ids are already what the driver takes). Calling
    each field's `get_db_prep_save` instead costs more than the INSERTs themselves at 100,000 rows."""
    fields = {f.attname: f for f in dataset.model._meta.concrete_fields}
    ops = connection.ops
    adapters: list[Callable | None] = []
    for name in names:
        model_field = fields[name]
        if isinstance(model_field, models.DecimalField):
            adapters.append(ops.adapt_decimalfield_value)
        elif isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
            adapters.append(ops.adapt_datefield_value)
        else:
            adapters.append(None)
    return adapters


def _parameters(row: dict, names: list[str], adapters: list[Callable | None]) -> list:
    return [
        row[name] if adapt is None or row[name] is None else adapt(row[name])
        for name, adapt in zip(names, adapters, strict=True)
    ]


def _batch_size(columns: int) -> int:
    # SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
    return max(1, min(1000, 30000 // columns))


def write(
    dataset: Dataset, work: Plan, *, batch_id: int, progress: Callable[[int], None] | None = None
) -> None:
    """Apply `work` (call inside the import's transaction)."""
    model = dataset.model
    table = connection.ops.quote_name(model._meta.db_table)
    quote = connection.ops.quote_name
    now = clock.now()
    data_names = [dataset.model_field(column.field).attname for column in dataset.columns]
    adapters = _adapters(dataset, data_names)
    stamp_field = model._meta.get_field("updated_at")
    stamp = stamp_field.get_db_prep_save(now, connection)
    done = 0
    with connection.cursor() as cursor:
        names = [*data_names, "import_batch_id", "created_at", "updated_at"]
        placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
        size = _batch_size(len(names))
        head = f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES "
        for start in range(0, len(work.inserts), size):
            chunk = work.inserts[start : start + size]
            params: list = []
            for row in chunk:
                params.extend(_parameters(row, data_names, adapters))
                params.extend((batch_id, stamp, stamp))
            cursor.execute(head + ", ".join([placeholders] * len(chunk)), params)
            done += len(chunk)
            if progress:
                progress(done)
        assignments = ", ".join(f"{quote(n)} = %s" for n in [*data_names, "import_batch_id", "updated_at"])
        update = f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"
        for start in range(0, len(work.updates), size):
            chunk = work.updates[start : start + size]
            cursor.executemany(
                update,
                [[*_parameters(row, data_names, adapters), batch_id, stamp, pk] for pk, row in chunk],
            )
            done += len(chunk)
            if progress:
                progress(done)


def days_left(dataset: Dataset, work: Plan) -> set:
    """The days (`time_field` values) the rows about to be updated are stored on, read before the update:
    a row whose natural key does not hold its day (a deal by its number) may move to another day, and
    the KPIs of the one it leaves change too."""
    if dataset.time_field.split("__")[0] in dataset.key:
        return set()  # the key fixes the day: an updated row stays where it is
    manager = dataset.model._default_manager
    ids = [pk for pk, _row in work.updates]
    days: set = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        days.update(manager.filter(pk__in=chunk).values_list(dataset.time_field, flat=True).distinct())
    return days


def batch_days(dataset: Dataset, batch_id: int) -> set:
    """The days (`time_field` values) of the rows an import wrote, read after writing them: the
    rows' KPIs are placed by them (kpi.business reads the same fields)."""
    manager = dataset.model._default_manager
    return set(manager.filter(import_batch_id=batch_id).values_list(dataset.time_field, flat=True).distinct())
