"""Benchmark: the KPI catalogue over a large database, month × store for 24 months, against DuckDB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_large .venv/bin/python bench/kpi_catalogue.py
    DATABASE_URL=sqlite:////tmp/seed_large.sqlite3 .venv/bin/python bench/kpi_catalogue.py

The database must hold the data (`aftersales seed --size large --seed 1`, 1,000,000 requests with their
surveys). Issue 4's targets: on PostgreSQL within 3× the time DuckDB takes in memory for the same
aggregation, on SQLite within 15×.

What is measured, each the median of --repeat runs:
1. engine, core: the KPIs computed from the request rows' stored columns (volumes, 24-hour response,
   first-response mean/median/p90, SLA attainment, MTTR, reopen rate) through `kpi_values` — the
   same Python and SQL a dashboard uses;
2. DuckDB, core: the same aggregates in DuckDB over the same columns loaded into memory (the load is not
   timed), written as one hand-made SQL statement per dataset;
3. the database's own run of DuckDB's two statements (PostgreSQL nearly verbatim; SQLite without
   GROUPING SETS and percentiles, so a UNION ALL and values interpolated in Python): what the database
   needs for this aggregation whoever writes the SQL, the floor any engine on it stands on;
4. engine, whole catalogue: every KPI of the catalogue (also those with correlated look-ups: first-time
   right, repeat repair, FCR, churn, surveys, complaints).
"""

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
from django.db import connection  # noqa: E402

from aftersales.kpi.catalogue import CATALOGUE  # noqa: E402
from aftersales.kpi.engine import analytic_session, interpolated_percentile, kpi_values  # noqa: E402
from aftersales.service.models import Ticket  # noqa: E402

CORE = [
    "requests_received",
    "requests_resolved",
    "response_24h_rate",
    "first_response_mean_h",
    "first_response_median_h",
    "first_response_p90_h",
    "sla_response_rate",
    "sla_resolution_rate",
    "mttr_h",
    "reopen_rate",
]
COLUMNS = [
    "id",
    "store_id",
    "status",
    "created_at",
    "resolved_at",
    "first_response_minutes",
    "response_due_at",
    "response_breached",
    "resolution_due_at",
    "resolution_breached",
    "resolution_minutes",
    "reopen_count",
]
TIMES = {"created_at", "resolved_at", "response_due_at", "resolution_due_at"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_OFFSET = "INTERVAL 8 HOUR"  # Asia/Shanghai has had no daylight saving since 1991

# The core KPIs' measures (aftersales/kpi/catalogue.py), censoring at `now` included, in DuckDB's SQL.
DUCKDB_REQUESTS = f"""
SELECT date_trunc('month', created_at + {SHANGHAI_OFFSET}) AS period, store_id,
  count(*) AS received,
  count(*) FILTER (WHERE (first_response_minutes IS NOT NULL OR status <> 'cancelled')
                   AND (created_at <= $now - INTERVAL 24 HOUR OR first_response_minutes IS NOT NULL)) AS judged,
  count(*) FILTER (WHERE first_response_minutes <= 1440
                   AND (created_at <= $now - INTERVAL 24 HOUR OR first_response_minutes IS NOT NULL)) AS met,
  avg(first_response_minutes) AS fr_mean,
  quantile_cont(first_response_minutes, 0.5) AS fr_p50,
  quantile_cont(first_response_minutes, 0.9) AS fr_p90,
  count(*) FILTER (WHERE response_due_at IS NOT NULL AND (response_due_at <= $now
                   OR first_response_minutes IS NOT NULL OR response_breached)) AS sla_r_n,
  count(*) FILTER (WHERE response_due_at IS NOT NULL AND first_response_minutes IS NOT NULL
                   AND NOT response_breached) AS sla_r_ok,
  count(*) FILTER (WHERE resolution_due_at IS NOT NULL AND (resolution_due_at <= $now
                   OR resolved_at IS NOT NULL OR resolution_breached)) AS sla_s_n,
  count(*) FILTER (WHERE resolution_due_at IS NOT NULL AND resolved_at IS NOT NULL
                   AND NOT resolution_breached) AS sla_s_ok
FROM tickets WHERE created_at >= $since AND created_at < $until
GROUP BY GROUPING SETS ((period, store_id), (period))
"""
DUCKDB_RESOLUTIONS = f"""
SELECT date_trunc('month', resolved_at + {SHANGHAI_OFFSET}) AS period, store_id,
  count(*) AS resolved, avg(resolution_minutes) AS mttr,
  count(*) FILTER (WHERE resolved_at <= $now - INTERVAL 30 DAY) AS settled,
  count(*) FILTER (WHERE resolved_at <= $now - INTERVAL 30 DAY AND reopen_count >= 1) AS reopened
FROM tickets WHERE resolved_at >= $since AND resolved_at < $until
GROUP BY GROUPING SETS ((period, store_id), (period))
"""

# The same two statements for the database under test, as close to DuckDB's as its dialect allows: what
# the database itself needs for this aggregation, whatever engine writes the SQL. PostgreSQL takes them
# nearly verbatim (percentile_cont for quantile_cont, parameters for $now); SQLite has neither GROUPING
# SETS nor a percentile, so the "all stores" rows are a second grouping (UNION ALL) and the first-response
# values are gathered with group_concat and interpolated in Python, as the engine does. One text per
# dataset; its {period}, {key}, {percentiles} and {grouping} are filled in with the dialect's.
REQUESTS_STATEMENT = """
SELECT {period} AS period, {key} AS store,
  count(*) AS received,
  count(*) FILTER (WHERE (first_response_minutes IS NOT NULL OR status <> 'cancelled')
                   AND (created_at <= %(day_before)s OR first_response_minutes IS NOT NULL)) AS judged,
  count(*) FILTER (WHERE first_response_minutes <= 1440
                   AND (created_at <= %(day_before)s OR first_response_minutes IS NOT NULL)) AS met,
  avg(first_response_minutes) AS fr_mean,
  {percentiles},
  count(*) FILTER (WHERE response_due_at IS NOT NULL AND (response_due_at <= %(now)s
                   OR first_response_minutes IS NOT NULL OR response_breached)) AS sla_r_n,
  count(*) FILTER (WHERE response_due_at IS NOT NULL AND first_response_minutes IS NOT NULL
                   AND NOT response_breached) AS sla_r_ok,
  count(*) FILTER (WHERE resolution_due_at IS NOT NULL AND (resolution_due_at <= %(now)s
                   OR resolved_at IS NOT NULL OR resolution_breached)) AS sla_s_n,
  count(*) FILTER (WHERE resolution_due_at IS NOT NULL AND resolved_at IS NOT NULL
                   AND NOT resolution_breached) AS sla_s_ok
FROM service_ticket WHERE created_at >= %(since)s AND created_at < %(until)s
GROUP BY {grouping}
"""
RESOLUTIONS_STATEMENT = """
SELECT {period} AS period, {key} AS store,
  count(*) AS resolved, avg(resolution_minutes) AS mttr,
  count(*) FILTER (WHERE resolved_at <= %(month_before)s) AS settled,
  count(*) FILTER (WHERE resolved_at <= %(month_before)s AND reopen_count >= 1) AS reopened
FROM service_ticket WHERE resolved_at >= %(since)s AND resolved_at < %(until)s
GROUP BY {grouping}
"""
POSTGRES_MONTH = "date_trunc('month', {column} AT TIME ZONE INTERVAL '8 hours')"
POSTGRES_PERCENTILES = (
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_minutes) AS fr_p50,\n"
    "  percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response_minutes) AS fr_p90"
)
SQLITE_MONTH = "date({column}, '+480 minutes', 'start of month')"


def _postgres(statement: str, column: str) -> str:
    return statement.format(
        period=POSTGRES_MONTH.format(column=column),
        key="store_id",
        percentiles=POSTGRES_PERCENTILES,
        grouping="GROUPING SETS ((period, store_id), (period))",
    )


def _sqlite(statement: str, column: str) -> str:
    """The stores' rows, then the "all stores" rows as a second grouping."""
    period, values = SQLITE_MONTH.format(column=column), "group_concat(first_response_minutes) AS fr_values"
    return " UNION ALL ".join(
        statement.format(period=period, key=key, percentiles=values, grouping=grouping)
        for key, grouping in (("store_id", "period, store_id"), ("NULL", "period"))
    )


POSTGRES_REQUESTS = _postgres(REQUESTS_STATEMENT, "created_at")
POSTGRES_RESOLUTIONS = _postgres(RESOLUTIONS_STATEMENT, "resolved_at")
SQLITE_REQUESTS = _sqlite(REQUESTS_STATEMENT, "created_at")
SQLITE_RESOLUTIONS = _sqlite(RESOLUTIONS_STATEMENT, "resolved_at")


def same_statements_here(parameters: dict) -> list[list[tuple]]:
    """DuckDB's two statements run by the database under test, in the engine's session settings, with
    each group's first-response median and p90 computed (on SQLite, in Python from the gathered values)."""
    with analytic_session(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            results = []
            for sql in (POSTGRES_REQUESTS, POSTGRES_RESOLUTIONS):
                cursor.execute(sql, parameters)
                results.append(cursor.fetchall())
            return results
        cursor.execute(SQLITE_REQUESTS, parameters)
        requests = []
        for row in cursor.fetchall():
            ordered = sorted(int(value) for value in row[6].split(",")) if row[6] else []
            p50, p90 = interpolated_percentile(ordered, 0.5), interpolated_percentile(ordered, 0.9)
            requests.append((*row[:6], p50, p90, *row[7:]))
        cursor.execute(SQLITE_RESOLUTIONS, parameters)
        return [requests, cursor.fetchall()]


def bench_range(today: str, months: int) -> tuple[date, date, datetime]:
    """The months measured (the `months` whole months before the seed's --today) and `now`."""
    last = date.fromisoformat(today)
    end = last.replace(day=1)
    start = date(end.year - months // 12, end.month, 1)
    return start, end, datetime.combine(last, datetime.min.time(), tzinfo=SHANGHAI)


def duckdb_parameters(start: date, end: date, now: datetime) -> dict:
    """DuckDB's tickets hold naive UTC timestamps."""

    def naive_utc(day: date) -> datetime:
        return (
            datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)
        )

    return {
        "now": now.astimezone(UTC).replace(tzinfo=None),
        "since": naive_utc(start),
        "until": naive_utc(end),
    }


def reference_parameters(start: date, end: date, now: datetime) -> dict:
    """The statements' parameters for the database under test: Django's cursor takes aware datetimes on
    PostgreSQL; on SQLite they are given as the text the columns store."""
    parameters = {
        "now": now,
        "day_before": now - timedelta(hours=24),
        "month_before": now - timedelta(days=30),
        "since": datetime.combine(start, datetime.min.time(), tzinfo=SHANGHAI),
        "until": datetime.combine(end, datetime.min.time(), tzinfo=SHANGHAI),
    }
    if connection.vendor == "sqlite":
        return {name: connection.ops.adapt_datetimefield_value(value) for name, value in parameters.items()}
    return parameters


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def load_duckdb(path: Path) -> duckdb.DuckDBPyConnection:
    """The request columns the core KPIs read, from the database into DuckDB's memory (via a CSV file)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in Ticket.objects.order_by().values_list(*COLUMNS).iterator(chunk_size=20_000):
            writer.writerow(
                [
                    value.strftime("%Y-%m-%d %H:%M:%S") if name in TIMES and value else value
                    for name, value in zip(COLUMNS, row, strict=True)
                ]
            )
    database = duckdb.connect(":memory:")
    database.execute(f"CREATE TABLE tickets AS SELECT * FROM read_csv('{path}', header = true)")
    return database


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--today", default="2026-11-30", help="the seed's --today: the range ends there")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start, end, now = bench_range(args.today, args.months)
    tickets = Ticket.objects.count()
    print(f"{connection.vendor}: {tickets:,} requests; months {start} – {end} × store; now = {now}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}"
    )

    def engine(codes):
        return lambda: kpi_values(
            codes=codes, start=start, end=end, grain="month", breakdown="store", user=None, now=now
        )

    core_seconds, core = timed(engine(CORE), args.repeat)
    print(f"engine, core ({len(CORE)} KPIs):          {core_seconds:8.3f} s")

    with tempfile.TemporaryDirectory() as folder:
        database = load_duckdb(Path(folder) / "tickets.csv")

    parameters = duckdb_parameters(start, end, now)

    def reference():
        return [database.execute(sql, parameters).fetchall() for sql in (DUCKDB_REQUESTS, DUCKDB_RESOLUTIONS)]

    duck_seconds, duck = timed(reference, args.repeat)
    print(
        f"DuckDB in memory, core:          {duck_seconds:8.3f} s   (engine / DuckDB = {core_seconds / duck_seconds:.1f}×)"
    )
    _check_same(core, duck, "DuckDB")

    here = reference_parameters(start, end, now)
    same_seconds, same = timed(lambda: same_statements_here(here), args.repeat)
    print(
        f"{connection.vendor}, DuckDB's statements: {same_seconds:8.3f} s   "
        f"(this / DuckDB = {same_seconds / duck_seconds:.1f}×; engine / this = {core_seconds / same_seconds:.2f})"
    )
    _check_same(core, same, f"{connection.vendor}'s own run of the statements")

    # Company-wide figures (finance, market share, ...) have no store: they run once without a breakdown.
    by_store = [kpi.code for kpi in CATALOGUE.breakable_by("store")]
    company = [kpi.code for kpi in CATALOGUE if kpi.code not in set(by_store)]

    def whole_catalogue():
        engine(by_store)()
        kpi_values(codes=company, start=start, end=end, grain="month", user=None, now=now)

    all_seconds, _ = timed(whole_catalogue, 1)
    print(
        f"engine, whole catalogue ({len(by_store)} KPIs × store, {len(company)} company-wide): "
        f"{all_seconds:8.3f} s (one run)"
    )


def _check_same(core, duck, label: str) -> None:
    """The two computations agree on every month's totals (a fast wrong answer would be no benchmark):
    request count, 24-hour response numerator and denominator, first-response p90, reopened."""
    for row in duck[0]:
        period, store, received, judged, met, _mean, _p50, p90 = row[:8]
        if store is None:
            assert core.cell("requests_received", _day(period)).value == received, period
            cell = core.cell("response_24h_rate", _day(period))
            assert (cell.numerator, cell.denominator) == (met, judged), (period, cell, met, judged)
            engine_p90 = core.cell("first_response_p90_h", _day(period)).value
            assert p90 is None or abs(engine_p90 * 60 - p90) < 1e-6, (period, engine_p90, p90)
    for period, store, _resolved, _mttr, settled, reopened in duck[1]:
        if store is None:
            cell = core.cell("reopen_rate", _day(period))
            assert (cell.numerator, cell.denominator) == (reopened, settled), (
                period,
                cell,
                reopened,
                settled,
            )
    print(f"check: {label} and the engine agree on every month's counts, 24-hour response, p90 and reopens")


def _day(period) -> date:
    """A month as DuckDB and PostgreSQL return it (a timestamp) or SQLite (ISO text)."""
    return date.fromisoformat(period) if isinstance(period, str) else period.date()


if __name__ == "__main__":
    main()
