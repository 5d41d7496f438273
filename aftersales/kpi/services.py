"""Writes of the KPI app: refreshing the stored snapshots from the engine."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from aftersales.core import clock
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.engine import (
    kpi_values,
    next_period_start,
    organisation_zone,
    period_start_of,
    period_starts,
)
from aftersales.kpi.models import KpiSnapshot
from aftersales.kpi.semantic import Grain

PERIODS_PER_CHUNK = 12  # periods computed and written together: one transaction, one progress line


@dataclass(frozen=True)
class RefreshProgress:
    grain: str
    breakdown: str | None
    first: date
    last: date
    done: int  # periods written so far for this grain and breakdown
    total: int
    rows: int  # snapshot rows written by this chunk


def kpi_snapshots_refresh(
    *,
    since: date,
    grain: Grain | str = Grain.MONTH,
    breakdowns: tuple[str | None, ...] = (None, "store"),
    progress: Callable[[RefreshProgress], None] = lambda step: None,
) -> int:
    """Recompute every KPI for every `grain` period from the one containing `since` to the current one,
    for all keys and per key of each breakdown (the KPIs that have it), and replace the stored snapshots of those periods (rows
    of keys that no longer appear go too). Company-wide: snapshots are not scoped; readers scope.
    Returns the number of rows written."""
    grain = Grain(grain)
    today = clock.now().astimezone(organisation_zone()).date()
    periods = period_starts(since, next_period_start(period_start_of(today, grain), grain), grain)
    written = 0
    for breakdown in breakdowns:
        codes = [kpi.code for kpi in CATALOGUE.breakable_by(breakdown)]
        for index in range(0, len(periods), PERIODS_PER_CHUNK):
            chunk = periods[index : index + PERIODS_PER_CHUNK]
            end = next_period_start(chunk[-1], grain)
            values = kpi_values(
                codes=codes, start=chunk[0], end=end, grain=grain, breakdown=breakdown, user=None
            )
            computed_at = clock.now()
            rows = [
                KpiSnapshot(
                    kpi=cell.kpi,
                    grain=grain,
                    period_start=cell.period,
                    breakdown=breakdown or "",
                    key=cell.key or "",
                    value=cell.value,
                    numerator=cell.numerator,
                    denominator=cell.denominator,
                    n=cell.n,
                    computed_at=computed_at,
                )
                for cell in values.cells.values()
                if breakdown is None or cell.key is not None  # the all row is stored once, unbroken
            ]
            with transaction.atomic():
                KpiSnapshot.objects.filter(
                    grain=grain, breakdown=breakdown or "", period_start__gte=chunk[0], period_start__lt=end
                ).delete()
                KpiSnapshot.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
            progress(
                RefreshProgress(
                    grain, breakdown, chunk[0], chunk[-1], index + len(chunk), len(periods), len(rows)
                )
            )
    return written
