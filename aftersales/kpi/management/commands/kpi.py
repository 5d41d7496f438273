"""`aftersales kpi values`: print KPI values as a table (every store, or what one user may see);
`aftersales kpi refresh`: recompute the stored snapshots, showing progress.

aftersales kpi values --codes csat_t2b,mttr_h --start 2026-01-01 --end 2026-07-01 --grain month
aftersales kpi values --breakdown store --as manager_a
aftersales kpi refresh --since 2025-01-01
aftersales kpi refresh --stale     # only the periods writes marked stale (what the minute job does)
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.models import User
from aftersales.core.errors import ApplicationError
from aftersales.kpi.selectors import (
    first_request_day,
    kpi_name,
    kpi_table,
    period_label,
    table_rows,
    values_query_from,
)
from aftersales.kpi.semantic import Grain
from aftersales.kpi.services import (
    SNAPSHOT_SHAPES,
    RefreshProgress,
    kpi_snapshots_refresh,
    kpi_snapshots_refresh_stale,
)


class Command(BaseCommand):
    help = "KPIs: `kpi values` prints values per period (and breakdown key) as a table."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        values = actions.add_parser("values", help="print KPI values as a table")
        values.add_argument("--codes", default="", help="comma-separated KPI codes (default: all)")
        values.add_argument("--start", default="", help="first day, YYYY-MM-DD (default: six months ago)")
        values.add_argument("--end", default="", help="day after the last, YYYY-MM-DD (default: next month)")
        values.add_argument("--grain", default="month", help="day, week, month, quarter or year")
        values.add_argument("--breakdown", default="", help="store, region, specialist, channel, …")
        values.add_argument("--as", dest="username", default="", help="only what this user may see")
        refresh = actions.add_parser("refresh", help="recompute the stored KPI snapshots")
        refresh.add_argument(
            "--since", default="", help="first day, YYYY-MM-DD (default: the first request's day)"
        )
        refresh.add_argument(
            "--grain", default="", help="only the stored shapes of this grain (default: every one stored)"
        )
        refresh.add_argument(
            "--stale", action="store_true", help="only the periods holding days marked stale by writes"
        )

    def handle(self, *args, **options):
        if options["action"] == "refresh":
            if options["stale"]:
                if options["since"]:
                    raise CommandError("--stale refreshes the marked days: it takes no --since")
                return self.refresh_stale()
            return self.refresh(since=options["since"], grain=options["grain"])
        self.print_values(options)

    def show(self, step: RefreshProgress) -> None:
        breakdown = f"by {step.breakdown}" if step.breakdown else "all"
        self.stdout.write(
            f"{step.grain} {breakdown}: {step.first.isoformat()} … {step.last.isoformat()} "
            f"[{step.done}/{step.total} periods] {step.rows} values"
        )

    def refresh_stale(self) -> None:
        drained = kpi_snapshots_refresh_stale(progress=self.show)
        if not drained.marks:
            self.stdout.write("no days marked stale: nothing to compute")
            return
        days = drained.days
        named = ", ".join(day.isoformat() for day in days)
        if len(days) > 10:
            named = f"{days[0].isoformat()} … {days[-1].isoformat()} ({len(days)} days)"
        self.stdout.write(
            f"{drained.rows} snapshot values written; {drained.marks} marks drained, days {named}"
        )

    def refresh(self, *, since: str, grain: str) -> None:
        first = first_request_day()
        if since:
            try:
                first = date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since: '{since}' is not a date (YYYY-MM-DD)") from None
        if grain and grain not in list(Grain):
            raise CommandError(f"--grain: '{grain}' is not one of {', '.join(Grain)}")
        if first is None:
            self.stdout.write("no requests yet: nothing to compute")
            return

        shapes = tuple(shape for shape in SNAPSHOT_SHAPES if not grain or shape.grain == grain)
        if not shapes:
            stored = ", ".join(dict.fromkeys(shape.grain.value for shape in SNAPSHOT_SHAPES))
            raise CommandError(f"--grain: no snapshots are stored by {grain} (stored: {stored})")
        written = kpi_snapshots_refresh(since=first, shapes=shapes, progress=self.show)
        self.stdout.write(f"{written} snapshot values written")

    def print_values(self, options) -> None:
        user = None
        if options["username"]:
            user = User.objects.filter(username=options["username"], is_active=True).first()
            if user is None:
                raise CommandError(f"--as: there is no active user '{options['username']}'")
        params = {name: options[name] for name in ("codes", "start", "end", "grain", "breakdown")}
        try:
            query = values_query_from(params)
            table = kpi_table(query=query, user=user)
        except ApplicationError as exc:
            raise CommandError(f"--{exc.field}: {exc.message}" if exc.field else exc.message) from exc
        header = ["KPI", *[period_label(period, table.grain) for period in table.periods], "target"]
        lines = [header]
        for row in table_rows(table):
            label = kpi_name(row.kpi) if row.key is None else f"  {row.key or '(none)'}"
            lines.append([label, *[cell.text for cell in row.cells], row.target])
        widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]
        for line in lines:
            cells = [_pad(line[0], widths[0], left=True)]
            cells += [_pad(text, width) for text, width in zip(line[1:], widths[1:], strict=True)]
            self.stdout.write("  ".join(cells).rstrip())


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _pad(text: str, width: int, *, left: bool = False) -> str:
    space = " " * (width - _width(text))
    return text + space if left else space + text
