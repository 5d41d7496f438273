"""Benchmark: importing a 100,000-row .xlsx of sales deals with `aftersales import` (issue 4: < 15 s on
SQLite), on SQLite and PostgreSQL side by side in one run: first as new rows, then again (every row an
update of its natural key).

    .venv/bin/python bench/import_xlsx.py [--rows 100000] [--skip-pg]

The workbook is written once with openpyxl (write-only, slow: about 20 s) and kept in /tmp. Each backend
gets a fresh database: SQLite in a temporary file, PostgreSQL `aftersales_bench_import` on the local
server (or $BENCH_DATABASE_URL). The times are wall-clock times of the whole command (Python start,
Django set-up, reading, validating, writing) as a user sees them. Prints one JSON line per run.
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench_import")
HEADER = [
    "成交单号",
    "交车日期",
    "门店代码",
    "销售顾问",
    "车型",
    "新车/二手车",
    "销售类型",
    "成交价(元)",
    "成本(元)",
    "金融",
    "保险",
    "精品",
    "延保",
    "置换",
]


def workbook(rows: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"aftersales-bench-deals-{rows}.xlsx"
    if path.exists():
        return path
    import openpyxl

    rng = random.Random(4)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("成交明细")
    sheet.append(HEADER)
    start = date(2025, 1, 1)
    for n in range(rows):
        price = rng.randrange(90_000, 400_000)
        sheet.append(
            [
                f"SD-{n:07d}",
                start + timedelta(days=n % 730),
                ("store-a", "store-b")[n % 2],
                rng.choice(("王磊", "李娜", "张伟", "刘洋")),
                rng.choice(("EV S1", "EV S1 长续航版", "SUV X5", "轿车 C3")),
                "新车" if n % 5 else "二手车",
                "零售",
                price,
                round(price * rng.uniform(0.86, 0.95), 2),
                rng.random() < 0.6,
                rng.random() < 0.8,
                rng.random() < 0.4,
                rng.random() < 0.25,
                "是" if rng.random() < 0.3 else "否",
            ]
        )
    book.save(path)
    return path


def run(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )


def prepare(env: dict) -> None:
    run(env, "migrate", "-v", "0")
    run(env, "shell", "-c", "from aftersales.core import testing; testing.make_stores()")


def measure(label: str, env: dict, path: Path, rows: int) -> None:
    prepare(env)
    for attempt in ("insert", "update"):
        started = time.monotonic()
        done = run(env, "import", "sales_deals", str(path), capture=True)
        seconds = time.monotonic() - started
        print(done.stderr.strip().splitlines()[-1], file=sys.stderr)
        print(
            json.dumps(
                {
                    "backend": label,
                    "pass": attempt,
                    "rows": rows,
                    "seconds": round(seconds, 2),
                    "rows_per_s": round(rows / seconds),
                    "summary": done.stdout.strip(),
                    "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
                },
                ensure_ascii=False,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-pg", action="store_true")
    options = parser.parse_args()
    started = time.monotonic()
    path = workbook(options.rows)
    print(
        f"workbook {path} ({path.stat().st_size:,} bytes) ready in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    with tempfile.TemporaryDirectory() as directory:
        measure(
            "sqlite", {**base, "DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3"}, path, options.rows
        )
    if not options.skip_pg:
        name = PG_URL.rsplit("/", 1)[1]
        server = PG_URL.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", server, "-qc", f"CREATE DATABASE {name}"], check=True)
        measure("postgresql", {**base, "DATABASE_URL": PG_URL}, path, options.rows)


if __name__ == "__main__":
    main()
