"""Reference data cached per process: rows that change a few times a year (stores, fault categories,
SLA policies, calendars, product models, warranty policies) but are read on every request
registration. ADR 0011.

Correct across processes without a time to live: a database trigger on every reference table writes a
fresh random value into the one row of `core_referenceversion` whenever any statement changes the
table (admin, seeding, a migration, a shell, another process). A cache entry is only ever used under
the version it was loaded after, so an entry is never older than the version that finds it. The value
is random, not a counter, because a change that rolls back rolls its version back too: a counter would
then reach the same number again for other data, a random value never does.

The version costs no statement of its own on the API: the token query reads it
(`VERSION_SQL`), and `note` keeps it for the rest of that request (`request_scope`, a middleware).
Elsewhere (the web form, mail, tasks, commands, tests calling services) the first cached read of a
request, or every read outside a request, reads it with one indexed SELECT. A request that changes
reference data and then reads it back uses the data as at its start; no request does both.
"""

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db import connections

TABLE = "core_referenceversion"
# A subquery to fold into a query a request runs anyway.
VERSION_SQL = f"(SELECT value FROM {TABLE} WHERE id = 1)"  # noqa: S608 - a constant
# A cache holds at most this many entries per version: keys come from the reference tables, but a
# bound keeps a runaway caller from growing it without end.
MAX_ENTRIES = 5000
_MISSING = object()

# The version read in this request, in a dict the request scope opens (None outside a request).
_request: ContextVar[dict | None] = ContextVar("reference_version_request", default=None)
# The version the entries were loaded under, and the entries. Replaced as a whole, never edited in
# place across versions: a thread still holding an older version writes into that version's dict.
_state: tuple[str | None, dict] = (None, {})


def note(version: str | None) -> None:
    """The version a query of this request just read along (see `VERSION_SQL`)."""
    scope = _request.get()
    if scope is not None:
        scope["version"] = version


def current() -> str | None:
    """The reference version: as noted in this request, or read now (None: no version row, cache off)."""
    scope = _request.get()
    if scope is not None and "version" in scope:
        return scope["version"]
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608 - a constant
        row = cursor.fetchone()
    version = row[0] if row else None
    note(version)
    return version


def cached(key: tuple, load: Callable[[], Any], *, keep_none: bool = True) -> Any:
    """`load()` once per version and process. The value is shared by every request (and thread) of
    the process: callers must not change it. `keep_none=False` for keys from user input (an unknown
    code is not kept, so made-up codes cannot fill the cache)."""
    global _state
    version = current()
    if version is None:
        return load()
    seen, entries = _state
    if seen != version:
        entries = {}
        _state = (version, entries)
    value = entries.get(key, _MISSING)
    if value is _MISSING:
        value = load()
        if (value is not None or keep_none) and len(entries) < MAX_ENTRIES:
            entries[key] = value
    return value


def cached_row(model, pk: int | None):
    """One reference row by primary key (None for None or a row that does not exist)."""
    if pk is None:
        return None
    return cached(("row", model._meta.label, pk), lambda: model._default_manager.filter(pk=pk).first())


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    token = _request.set({})
    try:
        yield
    finally:
        _request.reset(token)


def request_scope_middleware(get_response):
    """Opens the scope in which a version read along with another query holds for the request."""

    def middleware(request):
        with request_scope():
            return get_response(request)

    return middleware


# --- the triggers ------------------------------------------------------------------------------------


def reference_tables() -> list[str]:
    """Tables of the models that declare `reference_data = True`."""
    return sorted(
        model._meta.db_table for model in apps.get_models() if getattr(model, "reference_data", False)
    )


_NEW_VALUE = {
    "postgresql": "replace(gen_random_uuid()::text, '-', '')",
    "sqlite": "lower(hex(randomblob(16)))",
}


def _bump_sql(vendor: str) -> str:
    return (
        f"INSERT INTO {TABLE} (id, value) VALUES (1, {_NEW_VALUE[vendor]}) "  # noqa: S608 - constants
        "ON CONFLICT (id) DO UPDATE SET value = excluded.value"
    )


def install_triggers(using: str = "default", **_kwargs) -> None:
    """(Re)create the trigger on every reference table, and start a new version. Run after every
    `migrate` (post_migrate): idempotent, and it puts back a trigger that a migration dropped (SQLite
    rebuilds a table to alter it, and the rebuilt table has no triggers)."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in _NEW_VALUE:
        return
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        if TABLE not in existing:
            return
        tables = [table for table in reference_tables() if table in existing]
        if vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION core_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {_bump_sql(vendor)}; RETURN NULL; END $$"
            )
            for table in tables:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR "
                    f"TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION core_reference_changed()"
                )
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS reference_changed_{table}_{event.lower()} "
                        f"AFTER {event} ON {table} BEGIN {_bump_sql(vendor)}; END"
                    )
        cursor.execute(_bump_sql(vendor))


def tables_with_trigger(using: str = "default") -> set[str]:
    """The reference tables that have the trigger now (tests check that every one has)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'reference_changed'"
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        found: dict[str, int] = {}
        for table, name in cursor.fetchall():
            if name.startswith(f"reference_changed_{table}_"):
                found[table] = found.get(table, 0) + 1
        return {table for table, count in found.items() if count == 3}
