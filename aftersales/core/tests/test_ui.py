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


def render(source: str, **context) -> str:
    from django.template import Context, Template

    return Template("{% load ui %}" + source).render(Context(context))


def test_filter_select_marks_the_current_choice_among_pairs_objects_and_plain_values():
    store_a, store_b = SimpleNamespace(code="A01", name="一店"), SimpleNamespace(code="B02", name="二店")
    with translation.override("en"):
        stores = render(
            '{% filter_select "f-store" "store" "Store" stores "B02" value="code" text="name" %}',
            stores=[store_a, store_b],
        )
        pairs = render(
            '{% filter_select "f-sev" "severity" "Severity" choices 2 %}', choices=[(1, "Low"), (2, "High")]
        )
        scores = render('{% filter_select "f-csat" "csat" "CSAT" scores None %}', scores=[1, 2])
    assert_select(
        stores,
        '<div><label for="f-store">Store</label><select id="f-store" name="store"><option value="">All</option>'
        '<option value="A01">一店</option><option value="B02" selected>二店</option></select></div>',
    )
    assert_select(
        pairs,
        '<div><label for="f-sev">Severity</label><select id="f-sev" name="severity"><option value="">All</option>'
        '<option value="1">Low</option><option value="2" selected>High</option></select></div>',
    )
    assert_select(
        scores,
        '<div><label for="f-csat">CSAT</label><select id="f-csat" name="csat"><option value="">All</option>'
        '<option value="1">1</option><option value="2">2</option></select></div>',
    )


def test_filter_select_shows_all_in_chinese():
    with translation.override("zh-hans"):
        html = render('{% filter_select "f" "f" "门店" options "" %}', options=[])
    assert '<option value="">全部</option>' in html


def test_filter_input_shows_a_date_as_iso_and_nothing_as_empty():
    from datetime import date

    dated = render('{% filter_input "f-from" "from" "From" day type="date" %}', day=date(2026, 3, 4))
    empty = render('{% filter_input "f-q" "q" "Search" None type="search" css_class="filter-search" %}')
    assert_select(
        dated,
        '<div><label for="f-from">From</label><input type="date" id="f-from" name="from" value="2026-03-04"></div>',
    )
    assert_select(
        empty,
        '<div class="filter-search"><label for="f-q">Search</label>'
        '<input type="search" id="f-q" name="q" value=""></div>',
    )


def assert_select(html: str, expected: str) -> None:
    from django.test.html import parse_html

    assert parse_html(html) == parse_html(expected), html
