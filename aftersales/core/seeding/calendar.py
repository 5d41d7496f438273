"""Each store's business calendar, built once from `service.calendars.store_calendar` and precomputed.

`SpanCalendar` answers `working_intervals` (the `sla_calendar.Calendar` protocol) by bisecting the
store's working spans over the seed's whole range, so `sla_calendar.working_seconds` and `deadline` -
the product's own arithmetic, used for every stored SLA figure - cost microseconds per ticket instead of
a walk over each day. It also offers integer-second helpers (epoch seconds) for generating plausible
times: the next opening, "n working seconds later", and the opening hours of a day.
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aftersales.accounts.models import Store
from aftersales.service.calendars import store_calendar
from aftersales.service.sla_calendar import BusinessCalendar

Span = tuple[datetime, datetime]


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


class SpanCalendar:
    def __init__(self, store: Store, lo: datetime, hi: datetime):
        self.tz = ZoneInfo(store.timezone)
        self.store = store
        self.lo, self.hi = lo.astimezone(UTC), hi.astimezone(UTC)
        self._fallbacks: dict[int, BusinessCalendar] = {}
        spans: list[Span] = []
        # Year by year, with the calendar the product builds around a date of that year (it knows the
        # holidays of the years around it), exactly as `service.services.sla` does per ticket.
        for year in range(self.lo.astimezone(self.tz).year, self.hi.astimezone(self.tz).year + 1):
            year_lo = max(self.lo, datetime(year, 1, 1, tzinfo=self.tz))
            year_hi = min(self.hi, datetime(year + 1, 1, 1, tzinfo=self.tz))
            spans += self._calendar(year).working_intervals(year_lo, year_hi)
        spans = _merge(spans)
        for year in (self.lo.year - 1, self.hi.year + 1):  # built now: the seed's generator never reads
            self._calendar(year)  # the database (it may run in a forked process, see pipeline.py)
        self.spans = spans
        self.span_starts = [lo_ for lo_, _ in spans]
        self.span_ends = [hi_ for _, hi_ in spans]
        self.starts = [int(lo_.timestamp()) for lo_, _ in spans]
        self.ends = [int(hi_.timestamp()) for _, hi_ in spans]
        self.cum, total = [], 0  # working seconds before each span
        for start, end in zip(self.starts, self.ends, strict=True):
            self.cum.append(total)
            total += end - start
        self.cum_end = [c + (e - s) for c, s, e in zip(self.cum, self.starts, self.ends, strict=True)]
        self.by_day: dict[date, list[tuple[int, int]]] = {}
        for (lo_, _), start, end in zip(spans, self.starts, self.ends, strict=True):
            self.by_day.setdefault(lo_.astimezone(self.tz).date(), []).append((start, end))
        self.offset = int(
            datetime.combine(self.lo.date(), time(12), tzinfo=self.tz).utcoffset().total_seconds()
        )

    def _calendar(self, year: int) -> BusinessCalendar:
        if year not in self._fallbacks:
            self._fallbacks[year] = store_calendar(self.store, around=date(year, 7, 1))
        return self._fallbacks[year]

    # --- the sla_calendar.Calendar protocol ---------------------------------------------------------
    def working_intervals(self, start: datetime, end: datetime) -> list[Span]:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if start >= end:
            return []
        if start < self.lo or end > self.hi:
            return self._calendar(start.astimezone(self.tz).year).working_intervals(start, end)
        i = bisect.bisect_right(self.span_ends, start)
        result = []
        starts, ends = self.span_starts, self.span_ends
        while i < len(starts) and starts[i] < end:
            result.append((max(starts[i], start), min(ends[i], end)))
            i += 1
        return result

    def is_working_time(self, at: datetime) -> bool:
        return bool(self.working_intervals(at, at + timedelta(microseconds=1)))

    # --- integer epoch-second helpers for generation ---------------------------------------------
    def next_open(self, ts: int) -> int:
        """`ts` if the store is open then, else the next opening."""
        i = bisect.bisect_right(self.ends, ts)
        return ts if i == len(self.ends) else max(ts, self.starts[i])

    def is_open(self, ts: int) -> bool:
        i = bisect.bisect_right(self.ends, ts)
        return i < len(self.ends) and self.starts[i] <= ts

    def add_work(self, ts: int, seconds: int) -> int:
        """The instant `seconds` of opening hours after `ts`."""
        i = bisect.bisect_right(self.ends, ts)
        if i == len(self.ends):
            return ts + seconds
        target = self.cum[i] + max(0, ts - self.starts[i]) + seconds
        j = bisect.bisect_left(self.cum_end, target)
        if j == len(self.cum_end):
            return self.ends[-1] + (target - self.cum_end[-1])
        return self.starts[j] + (target - self.cum[j])

    def local_seconds(self, ts: int) -> int:
        """Seconds since local midnight."""
        return (ts + self.offset) % 86400

    def local_midnight(self, ts: int) -> int:
        return ts - self.local_seconds(ts)


def desk_time(ts: int, calendar: SpanCalendar, rng, opens: int = 8 * 3600, closes: int = 20 * 3600) -> int:
    """The service desk answers calls and mail 08:00–20:00 every day: later instants move to the next
    morning, a little after opening."""
    seconds = calendar.local_seconds(ts)
    if seconds < opens:
        return ts - seconds + opens + rng.randint(0, 3600)
    if seconds >= closes:
        return ts - seconds + 86400 + opens + rng.randint(0, 3600)
    return ts


def staff_time(ts: int, calendar: SpanCalendar, rng) -> int:
    """Work done in the store happens while it is open: later instants move to the next opening."""
    opened = calendar.next_open(ts)
    return ts if opened == ts else opened + rng.randint(0, 40 * 60)
