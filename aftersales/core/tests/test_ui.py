from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from aftersales.core.templatetags.ui import duration_minutes, sla_minutes_left, sla_state, status_badge_class

SHANGHAI = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DUE = datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)


def ticket(**fields):
    """A stand-in with the stored SLA fields of a Ticket (the filters read nothing else)."""
    values = dict(
        status="assigned",
        is_open=True,
        created_at=CREATED,
        response_due_at=DUE,
        resolution_due_at=None,
        first_response_at=None,
        resolved_at=None,
        response_breached=False,
        resolution_breached=False,
        paused_since=None,
        warned_at=None,
        sla_policy=SimpleNamespace(warning_percent=75),
    )
    values.update(fields)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("now", "fields", "state"),
    [
        (datetime(2026, 3, 3, 3, 59), {}, "ok"),
        (datetime(2026, 3, 3, 4, 0), {}, "warning"),  # 75 % of 24 h
        (datetime(2026, 3, 2, 20, 0), {"sla_policy": SimpleNamespace(warning_percent=40)}, "warning"),
        (datetime(2026, 3, 3, 10, 0), {}, "breached"),
        (datetime(2026, 3, 3, 12, 0), {"status": "pending_customer", "paused_since": CREATED}, "paused"),
        (datetime(2026, 3, 9, 0, 0), {"status": "closed", "is_open": False}, "met"),
        (
            datetime(2026, 3, 9, 0, 0),
            {"status": "closed", "is_open": False, "response_breached": True},
            "missed",
        ),
    ],
)
def test_sla_state(frozen_clock, now, fields, state):
    frozen_clock(now)
    assert sla_state(ticket(**fields)) == state


def test_minutes_left_counts_down_to_the_raced_target(frozen_clock):
    frozen_clock(datetime(2026, 3, 3, 7, 55))
    assert sla_minutes_left(ticket()) == 125
    frozen_clock(datetime(2026, 3, 3, 10, 30))
    assert sla_minutes_left(ticket()) == -30


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(45, "45 min"), (125, "2 h 05 min"), (4560, "3 d 4 h"), (-30, "−30 min"), (None, ""), ("x", "")],
)
def test_duration_minutes(minutes, text):
    with translation.override("en"):
        assert duration_minutes(minutes) == text


def test_status_badge_class_is_safe_for_any_value():
    assert status_badge_class("in_progress") == "badge badge-in_progress"
    assert status_badge_class(SimpleNamespace(status="closed")) == "badge badge-closed"
    assert status_badge_class('"><script>') == "badge badge-script"
    assert status_badge_class(None) == "badge badge-unknown"
