"""The one place that reads the wall clock, so tests can move time (see `core.testing.frozen_clock`)."""

from datetime import datetime

from django.utils import timezone

_override: datetime | None = None


def now() -> datetime:
    return _override if _override is not None else timezone.now()


def set_override(at: datetime | None) -> None:
    """Tests only: pin `now()` to `at` (aware), or release it with None."""
    global _override
    _override = at
