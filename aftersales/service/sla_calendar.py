"""SLA business-time arithmetic for the service desk.

Answers two questions for a store calendar: how much working time lies between two instants, and
when a given amount of working time will have elapsed (the SLA deadline). Pauses (e.g. "waiting for
customer") stop the clock.

The module is pure (stdlib only) so it can be tested exhaustively without Django. Every public
function accepts timezone-aware datetimes in any zone, rejects naive ones with ValueError, and
returns aware datetimes in UTC.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# Local wall-clock shift; end <= start means it runs past midnight, (00:00, 00:00) is the whole day.
Interval = tuple[time, time]
Span = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]

_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
# add_working_seconds gives up after this long without any working time, so a calendar that is
# closed forever fails fast instead of looping; no real holiday season comes anywhere near it.
_MAX_IDLE = timedelta(days=3 * 365)
# add_working_seconds asks the calendar for a week at a time: few calls, little wasted work.
_SEARCH_STEP = timedelta(days=7)
# End of an open-ended pause; only ever compared against, never used in arithmetic.
_FOREVER = datetime.max.replace(tzinfo=UTC)


class Calendar(Protocol):
    def working_intervals(self, start: datetime, end: datetime) -> list[Span]: ...

    def is_working_time(self, at: datetime) -> bool: ...


def _to_utc(at: datetime) -> datetime:
    # Aware datetimes sharing one tzinfo compare and subtract by wall clock (wrong across a DST
    # change), so everything is normalised to UTC before any arithmetic.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {at!r}")
    return at.astimezone(UTC)


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and fuse overlapping or touching ones into disjoint spans."""
    merged: list[Span] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time of one store: weekly hours with breaks, public holidays, make-up workdays.

    A shift belongs to the local date on which it starts: a 22:00-06:00 shift starting on a holiday
    evening is off entirely, one starting the evening before a holiday runs into the holiday morning.
    A date listed both as holiday and as make-up workday is a holiday.
    """

    tz: ZoneInfo
    weekly_hours: tuple[tuple[Interval, ...], ...]  # 7 entries, index 0 = Monday; () = closed
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()  # 调休: weekend days that are worked
    makeup_hours: tuple[Interval, ...] = ()  # empty = use the Monday hours

    def __post_init__(self) -> None:
        if len(self.weekly_hours) != 7:
            raise ValueError(f"weekly_hours needs 7 entries (Monday first), got {len(self.weekly_hours)}")

    def working_intervals(self, start: datetime, end: datetime) -> list[Span]:
        """Working time overlapping [start, end) as sorted, disjoint UTC spans clipped to the range."""
        start, end = _to_utc(start), _to_utc(end)
        if start >= end:
            return []
        spans = []
        # Start one day early: a shift from the previous evening may still be running at `start`.
        day = start.astimezone(self.tz).date() - _ONE_DAY
        last_day = end.astimezone(self.tz).date()
        while day <= last_day:
            for shift_start, shift_end in self._shifts(day):
                lo, hi = max(shift_start, start), min(shift_end, end)
                if lo < hi:
                    spans.append((lo, hi))
            day += _ONE_DAY
        return _merge(spans)

    def is_working_time(self, at: datetime) -> bool:
        """True if the instant `at` lies inside a shift (shift ends are exclusive)."""
        # In UTC first: `at + timedelta` on a local time adds on the wall clock and drops `fold`, so the
        # second 02:30 of an autumn DST change plus 1 µs would land an hour *before* `at`.
        at = _to_utc(at)
        return bool(self.working_intervals(at, at + timedelta(microseconds=1)))

    def _hours_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.holidays:
            return ()
        if day in self.makeup_workdays:
            return self.makeup_hours or self.weekly_hours[0]
        return self.weekly_hours[day.weekday()]

    def _shifts(self, day: date) -> Iterator[Span]:
        """UTC spans of the shifts starting on local date `day`."""
        for opens, closes in self._hours_on(day):
            closing_day = day + _ONE_DAY if closes <= opens else day
            # combine(..., tzinfo=tz) lets zoneinfo pick the UTC offset valid at that wall time, so a
            # night shift across a DST change lasts 7 or 9 real hours, as the staff actually work.
            yield (
                datetime.combine(day, opens, tzinfo=self.tz).astimezone(UTC),
                datetime.combine(closing_day, closes, tzinfo=self.tz).astimezone(UTC),
            )


@dataclass(frozen=True)
class AlwaysOpen:
    """Calendar (24x7) time with the BusinessCalendar interface, for policies in calendar time."""

    def working_intervals(self, start: datetime, end: datetime) -> list[Span]:
        start, end = _to_utc(start), _to_utc(end)
        return [(start, end)] if start < end else []

    def is_working_time(self, at: datetime) -> bool:
        _to_utc(at)  # same naive-datetime contract as BusinessCalendar
        return True


def _pause_spans(pauses: Iterable[Pause]) -> list[Span]:
    spans = []
    for pause_start, pause_end in pauses:
        lo = _to_utc(pause_start)
        hi = _FOREVER if pause_end is None else _to_utc(pause_end)
        if lo < hi:
            spans.append((lo, hi))
    return _merge(spans)


def _subtract(spans: list[Span], paused: list[Span]) -> list[Span]:
    """Parts of the sorted disjoint `spans` outside the sorted disjoint `paused` spans."""
    pause_ends = [hi for _, hi in paused]
    result = []
    for lo, hi in spans:
        # Pauses that ended by `lo` cannot matter; bisect skips them instead of rescanning.
        i = bisect.bisect_right(pause_ends, lo)
        while lo < hi and i < len(paused) and paused[i][0] < hi:
            pause_lo, pause_hi = paused[i]
            if pause_lo > lo:
                result.append((lo, pause_lo))
            lo = max(lo, pause_hi)
            i += 1
        if lo < hi:
            result.append((lo, hi))
    return result


def working_seconds(
    calendar: Calendar, start: datetime, end: datetime, *, pauses: Iterable[Pause] = ()
) -> int:
    """Whole seconds of working time in [start, end) that fall outside every pause.

    `pauses` are (pause_start, pause_end) pairs; pause_end None means still paused (open-ended).
    Returns 0 when end <= start; a fractional second left over is truncated.
    """
    start, end = _to_utc(start), _to_utc(end)
    paused = _pause_spans(pauses)
    if end <= start:
        return 0
    spans = _subtract(calendar.working_intervals(start, end), paused)
    return sum((hi - lo for lo, hi in spans), timedelta()) // _ONE_SECOND


def add_working_seconds(
    calendar: Calendar, start: datetime, seconds: int, *, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """Earliest instant t >= start with working_seconds(calendar, start, t, pauses=pauses) == seconds.

    Returns `start` (in UTC) for seconds == 0, and None when an open-ended pause stops the clock
    before the target is reached. Raises ValueError for negative seconds, and when three years
    pass without any working time (e.g. a calendar that is always closed).
    """
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    start = _to_utc(start)
    paused = _pause_spans(pauses)
    if seconds == 0:
        return start
    # Merging puts an open-ended pause last; from its start on the clock never runs again.
    stop = paused[-1][0] if paused and paused[-1][1] == _FOREVER else None
    remaining = timedelta(seconds=seconds)
    cursor = last_work = start
    while stop is None or cursor < stop:
        window_end = cursor + _SEARCH_STEP if stop is None else min(cursor + _SEARCH_STEP, stop)
        for lo, hi in _subtract(calendar.working_intervals(cursor, window_end), paused):
            if hi - lo >= remaining:
                return lo + remaining
            remaining -= hi - lo
            last_work = hi
        if window_end - last_work > _MAX_IDLE:
            raise ValueError("no working time within 3 years")
        cursor = window_end
    return None


def deadline(
    calendar: Calendar, start: datetime, target: timedelta, *, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """When `target` of working time has elapsed since `start`; see add_working_seconds.

    `target` must be a whole number of seconds (ValueError otherwise).
    """
    seconds, leftover = divmod(target, _ONE_SECOND)
    if leftover:
        raise ValueError(f"target must be whole seconds, got {target!r}")
    return add_working_seconds(calendar, start, seconds, pauses=pauses)
