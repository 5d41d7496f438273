"""Benchmark: would a narrow copy of the request table bring the KPI core within 3× of DuckDB on PostgreSQL?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_large .venv/bin/python bench/kpi_narrow_copy.py

The core KPIs read 13 of the request table's columns; the table holds about 550 bytes a row. This script
copies those 14 columns into a scratch table in its own schema (UNLOGGED, vacuumed, analysed: about 110 MB instead of
523 MB for 1,000,000 requests), then times, each the median of --repeat runs:
1. the engine's core (`kpi_values`, as bench/kpi_catalogue.py runs it) on the full table;
2. the same engine call reading the narrow copy instead (found first on the search path);
3. DuckDB's two statements (bench/kpi_catalogue.py) run by PostgreSQL on the full table and on the copy.
It drops the copy at the end. What it answers: how much of the gap to a columnar engine is bytes read,
and whether keeping such a copy in step with every request write (ADR 0012) would buy the target.
"""

import argparse
import os
import platform
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.db import connection  # noqa: E402
from kpi_catalogue import (  # noqa: E402 (sets up Django)
    COLUMNS,
    CORE,
    DUCKDB_REQUESTS,
    DUCKDB_RESOLUTIONS,
    POSTGRES_REQUESTS,
    POSTGRES_RESOLUTIONS,
    bench_range,
    duckdb_parameters,
    load_duckdb,
    reference_parameters,
    timed,
)

from aftersales.kpi.engine import analytic_session, kpi_values  # noqa: E402

SCHEMA = "kpi_bench_narrow"  # holds the copy, named service_ticket, read first by search_path
COPY = f"{SCHEMA}.service_ticket"
COPIED = [*COLUMNS, "kind", "first_response_at"]  # DuckDB's columns and two more the engine reads


@contextmanager
def reading_copy():
    """Unqualified table names resolve to the copy first (the engine's SQL names service_ticket), and the
    other tables (stores, for the labels) from the public schema."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET search_path TO {SCHEMA}, public")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET search_path TO public")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--today", default="2026-11-30")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("kpi_narrow_copy.py measures PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    start, end, now = bench_range(args.today, args.months)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}"
    )

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        cursor.execute(f"CREATE UNLOGGED TABLE {COPY} AS SELECT {', '.join(COPIED)} FROM service_ticket")
        cursor.execute(f"VACUUM ANALYZE {COPY}")
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('service_ticket')), "
            f"pg_size_pretty(pg_relation_size('{COPY}'))"
        )
        full_size, copy_size = cursor.fetchone()
    print(f"request table {full_size}; narrow copy of {len(COPIED)} columns {copy_size}")

    def engine():
        return kpi_values(
            codes=CORE, start=start, end=end, grain="month", breakdown="store", user=None, now=now
        )

    def statements(table: str):
        def run():
            with analytic_session(), connection.cursor() as cursor:
                for sql in (POSTGRES_REQUESTS, POSTGRES_RESOLUTIONS):
                    cursor.execute(sql.replace("FROM service_ticket", f"FROM {table}"), parameters)
                    cursor.fetchall()

        return run

    try:
        with tempfile.TemporaryDirectory() as folder:
            database = load_duckdb(Path(folder) / "tickets.csv")
        duck_parameters = duckdb_parameters(start, end, now)
        duck_seconds, _ = timed(
            lambda: [
                database.execute(sql, duck_parameters).fetchall()
                for sql in (DUCKDB_REQUESTS, DUCKDB_RESOLUTIONS)
            ],
            args.repeat,
        )
        parameters = reference_parameters(start, end, now)
        full_seconds, full = timed(engine, args.repeat)
        with reading_copy():
            copy_seconds, narrow = timed(engine, args.repeat)
        assert narrow.cells == full.cells, "the engine gives other values on the copy"
        own_full, _ = timed(statements("service_ticket"), args.repeat)
        own_copy, _ = timed(statements(COPY), args.repeat)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    print(f"DuckDB in memory, core:                 {duck_seconds:7.3f} s")
    for label, seconds in (
        ("engine, core, full table", full_seconds),
        ("engine, core, narrow copy", copy_seconds),
        ("DuckDB's statements, full table", own_full),
        ("DuckDB's statements, narrow copy", own_copy),
    ):
        print(f"{label + ':':40s}{seconds:7.3f} s   ({seconds / duck_seconds:5.1f}× DuckDB)")


if __name__ == "__main__":
    main()
