"""Fast, deterministic row writing for the seed: explicit ids, explicit timestamps, `executemany`.

Why not `bulk_create`: `TimeStampedModel.created_at` has `auto_now_add=True` and `updated_at` has
`auto_now=True`; `bulk_create` calls each field's `pre_save`, which overwrites both with the wall clock,
so a year of history would all be "created today" and two runs would differ. Toggling `auto_now_add`
on the shared field objects would be a process-wide monkeypatch (and not thread-safe). Instead each
`Table` here turns the values we computed into database values with the field's own converter
(`get_db_prep_save`, or the backend's datetime / date adapter on the hot path) and inserts them with
one prepared `INSERT` through `cursor.executemany`: `pre_save` never runs, so the timestamps we set are
the ones stored. It is also several times faster than `bulk_create` on SQLite, whose 999-parameter
limit would split a 42-column ticket insert into 23-row statements.

Ids are allocated here (max(id) + 1 onwards) so rows can reference each other before they are written
and so the same seed gives the same ids; `reset_sequences` puts PostgreSQL's sequences past them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max


def _sqlite_utc() -> bool:
    return connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC"


def _datetime_converter() -> Callable[[Any], Any]:
    """A DateTimeField value - an aware datetime, or epoch seconds (int), which the hot paths use to
    avoid building millions of datetimes - to what the backend stores. On SQLite (UTC connection) that
    is the naive UTC text `adapt_datetimefield_value` writes, without its per-value settings lookups."""
    if _sqlite_utc():
        strftime, gmtime = time.strftime, time.gmtime

        def sqlite_datetime(value: int | datetime) -> str:
            if isinstance(value, int):
                return strftime("%Y-%m-%d %H:%M:%S", gmtime(value))
            return str(value.astimezone(UTC).replace(tzinfo=None))

        return sqlite_datetime
    adapt = connection.ops.adapt_datetimefield_value

    def any_datetime(value: int | datetime) -> Any:
        return adapt(datetime.fromtimestamp(value, UTC) if isinstance(value, int) else value)

    return any_datetime


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return _datetime_converter()
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    if isinstance(field, models.JSONField):
        if field.encoder is None and connection.vendor == "sqlite":
            return json.dumps  # = `adapt_json_value(value, None)` on SQLite
        return lambda value, field=field: field.get_db_prep_save(value, connection)
    # ints, strings, booleans, foreign-key ids and Decimals (both drivers adapt them; the seed's
    # decimals already have the field's places) go in as they are.
    return None


class Table:
    """Rows of one model, buffered as Python values and converted and written by `flush()`.

    `add(dict)` takes values by attname; `packer(names)` returns a faster adder for the hot tables
    that takes them positionally. Conversion waits for `flush()` so that, with two processes (see
    pipeline.py), the writing process does it while the generating one moves on."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        fields = model._meta.concrete_fields
        self.names = [field.attname for field in fields]
        # Python-side defaults (the seed never relies on database defaults).
        self.defaults = {
            field.attname: (None if field.primary_key else field.get_default()) for field in fields
        }
        self.converters = [(i, conv) for i, field in enumerate(fields) if (conv := _converter(field))]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        table = quote(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        # PostgreSQL: COPY is many times faster than executemany for millions of rows.
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.rows: list[list[Any]] = []
        self.next_id = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.written = 0

    def new_id(self) -> int:
        allocated = self.next_id
        self.next_id += 1
        return allocated

    def add(self, values: dict[str, Any]) -> int:
        """Buffer one row; `id` is allocated unless given. Returns the id."""
        if values.get("id") is None:
            values["id"] = self.new_id()
        defaults = self.defaults
        self.rows.append([values[name] if name in values else defaults[name] for name in self.names])
        return values["id"]

    def packer(self, names: list[str]) -> Callable[..., None]:
        """An adder taking the values of `names` (which must include "id") in that order; the other
        columns get their defaults."""
        template = list(self.defaults.values())
        positions = [self.names.index(name) for name in names]
        rows = self.rows

        def pack(*values: Any) -> None:
            row = template.copy()
            for position, value in zip(positions, values, strict=True):
                row[position] = value
            rows.append(row)

        return pack

    def flush(self) -> int:
        rows = self.rows
        count = len(rows)
        if not count:
            return 0
        for i, convert in self.converters:
            for row in rows:
                if row[i] is not None:
                    row[i] = convert(row[i])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:  # the psycopg cursor under Django's
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)
        self.written += count
        rows.clear()  # in place: packers hold on to this list
        return count


class Writer:
    """One `Table` per model, created on first use; flushes in the order the tables were first used,
    which is parent-first as long as parents are added first (foreign keys are checked at commit on
    SQLite and PostgreSQL anyway, as Django creates them deferrable)."""

    def __init__(self) -> None:
        self.tables: dict[type[models.Model], Table] = {}

    def table(self, model: type[models.Model]) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(model)
        return self.tables[model]

    def add(self, model: type[models.Model], values: dict[str, Any]) -> int:
        return self.table(model).add(values)

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def reset_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids we chose (a no-op on SQLite)."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.tables))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def delete_all(models_in_order: Iterable[type[models.Model]]) -> None:
    """Delete every row of each model with plain `DELETE`s (used by `--reset` for the large tables, where
    the ORM's cascade collector would load a million tickets into memory). Rows of other models that
    point at them go too, as `on_delete` says: CASCADE → all their rows first, SET_NULL → the column is
    cleared; many-to-many rows are dropped. (Foreign keys are checked at commit; a PROTECT from a model
    not listed then fails the reset, which is what PROTECT is for.)"""
    quote = connection.ops.quote_name
    order: list[type[models.Model]] = []
    nulls: list[tuple[type[models.Model], str]] = []

    def visit(model: type[models.Model]) -> None:
        if model in order:
            return
        order.append(model)  # placed before recursing, so self-references and cycles end here
        for rel in model._meta.related_objects:
            if rel.many_to_many:
                through = rel.through if rel.through else rel.field.remote_field.through
                visit(through)
            elif rel.related_model is not model and rel.on_delete is models.CASCADE:
                visit(rel.related_model)
            elif rel.related_model is not model and rel.on_delete is models.SET_NULL:
                nulls.append((rel.related_model, rel.field.column))
        for field in model._meta.local_many_to_many:
            visit(field.remote_field.through)

    for model in models_in_order:
        visit(model)
    with connection.cursor() as cursor:
        for model, column in nulls:
            if model not in order:
                cursor.execute(
                    f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = NULL"  # noqa: S608 - names only
                    f" WHERE {quote(column)} IS NOT NULL"
                )
        for model in reversed(order):  # children (found later) first
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608 - table names only


def tune_for_bulk() -> Callable[[], None]:
    """Settings for the length of the seed; returns a function that restores them.

    SQLite: a bigger page cache and no fsync per commit (the WAL stays consistent; a crash mid-seed
    loses at most the last batches, and `--reset` starts over).

    PostgreSQL: when the role may (superusers), `session_replication_role = replica` for this session,
    which skips the per-row foreign-key triggers - what `pg_restore --disable-triggers` does, and the
    largest cost of loading ten million rows. The constraints stay declared; the seed only writes ids
    it allocated itself, and the tests run it on SQLite with foreign keys enforced. Without the right
    the load simply runs with the checks."""
    if connection.in_atomic_block:
        return lambda: None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (previous,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB
            cursor.execute("PRAGMA temp_store=MEMORY")

        def restore_sqlite() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(previous)}")

        return restore_sqlite
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not (row and row[0]):
                return lambda: None
            cursor.execute("SET session_replication_role = replica")

        def restore_postgresql() -> None:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")

        return restore_postgresql
    return lambda: None


def refresh_planner_statistics() -> None:
    """Give the query planner statistics of the new rows. Without them SQLite picks the plain foreign
    key index for the queue pages (hundreds of milliseconds at a million requests instead of tens)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # sample: seconds, not a minute, at 10 M rows
        cursor.execute("ANALYZE")
