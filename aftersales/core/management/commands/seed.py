"""`aftersales seed`: a realistic, deterministic demo database.

    aftersales seed --size small|medium|large --seed N [--months 12] [--today YYYY-MM-DD] [--reset]

One organisation with 3 / 6 / 12 stores (4S dealerships and appliance service centres) in Chinese
cities, their opening hours, departments and staff of every role, the fault taxonomy, products with
warranty policies, customers with their vehicles (valid VINs) and appliances, SLA policies, and
`--months` of service requests up to `--today` (about 2,000 / 20,000 / 1,000,000 a year) with their
events, comments, visits, parts and SLA figures. The same `--seed` and `--today` give the same data.

Every demo account's password is `demo1234` (see `aftersales demo_logins`). A database that already
has tickets is left alone ("already seeded") unless `--reset` deletes the seeded data first.
"""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftersales.core import clock
from aftersales.core.seeding import SIZES, Seed, run
from aftersales.core.seeding.db import refresh_planner_statistics
from aftersales.core.seeding.reset import is_seeded, wipe


def _date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Fill the database with a realistic, deterministic demo (stores, staff, customers, a year of tickets)."
    # Only models are needed; the URL and template checks of unrelated apps must not stop a seed.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=sorted(SIZES), default="small", help="small (default), medium, large"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--months", type=int, default=12, help="months of tickets up to --today (default 12)"
        )
        parser.add_argument("--today", default=None, help="YYYY-MM-DD; default: today in Asia/Shanghai")
        parser.add_argument("--reset", action="store_true", help="delete seeded data first, then seed")
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="tickets per transaction (default 5000)"
        )
        parser.add_argument(
            "--single-process",
            action="store_true",
            help="generate and write in this process (default: a forked child generates while this one writes)",
        )

    def handle(self, *args, **options):
        size = SIZES.get(options["size"])
        if size is None:
            raise CommandError(f"Unknown size {options['size']!r}; choose one of {', '.join(sorted(SIZES))}.")
        months = int(options["months"])
        if not 1 <= months <= 48:
            raise CommandError("--months must be between 1 and 48.")
        batch_size = int(options["batch_size"])
        if batch_size < 1:
            raise CommandError("--batch-size must be positive.")
        today = _date(options["today"]) if options["today"] else timezone.localdate(clock.now())
        verbosity = int(options["verbosity"])

        if is_seeded():
            if not options["reset"]:
                self.stdout.write("already seeded (the database has tickets); use --reset to start over")
                return
            started = time.monotonic()
            wipe()
            if verbosity:
                self.stdout.write(f"reset: seeded data deleted in {time.monotonic() - started:.1f} s")

        def progress(line: str) -> None:
            if verbosity:
                self.stdout.write(line)
                self.stdout.flush()

        started = time.monotonic()
        s = Seed(
            size=size,
            seed=int(options["seed"]),
            today=today,
            months=months,
            batch_size=batch_size,
            progress=progress,
            fork=not options["single_process"],
        )
        counts = run(s)
        refresh_planner_statistics()
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"seeded {size.name} (seed {s.seed}, {months} months to {today}) in {elapsed:.1f} s"
                )
            )
            for label, count in sorted(counts.items()):
                self.stdout.write(f"  {label:<28} {count:>12,}")
            self.stdout.write("logins: aftersales demo_logins (password demo1234)")
