"""Snapshots stay fresh: the write services mark the days they touch (`core.staleness`), the minute job
drains the marks and recomputes only the periods holding those days, and the nightly job recomputes
everything recent (right-censored values change with time alone)."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from aftersales.core.models import KpiStaleDay
from aftersales.core.staleness import stale_days_mark
from aftersales.facts.services import facts_import_file
from aftersales.facts.tests.conftest import SALES_HEADER, csv_bytes, sales_row
from aftersales.kpi.catalogue import CATALOGUE, CHURN_WINDOW, REPEAT_WINDOW
from aftersales.kpi.models import KpiSnapshot
from aftersales.kpi.services import (
    SNAPSHOT_SHAPES,
    kpi_snapshots_refresh,
    kpi_snapshots_refresh_stale,
    reconcile_since,
)
from aftersales.kpi.tasks import kpi_reconcile_task, kpi_snapshots_task
from aftersales.kpi.tests.rows import at, request
from aftersales.service.services.assignment import ticket_assign
from aftersales.service.services.state import LINKED_LOOK_BACK
from aftersales.service.services.tickets import (
    ticket_cancel,
    ticket_close,
    ticket_register,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)
from aftersales.surveys.models import SurveyTemplate
from aftersales.surveys.services import survey_invite, survey_respond

pytestmark = pytest.mark.django_db


def marked() -> list[date]:
    """The days marked stale, once each, in order; the marks are then cleared for the next step."""
    days = sorted(set(KpiStaleDay.objects.values_list("day", flat=True)))
    KpiStaleDay.objects.all().delete()
    return days


def register(cast):
    return ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        asset=cast.asset_a,
        channel="phone",
        kind="repair",
        subject="发动机故障灯亮",
        fault_category=cast.engine,
    )


def resolve(ticket, by):
    return ticket_resolve(ticket=ticket, by=by, outcome="repair", root_cause="E01")


# --- what the writes mark --------------------------------------------------------------------------------


def test_registering_a_request_marks_its_day_in_the_organisation_zone_with_one_row(cast, frozen_clock):
    # given 17:00 UTC on 31 March, which is 01:00 on 1 April in Shanghai
    frozen_clock(datetime(2026, 3, 31, 17, 0, tzinfo=ZoneInfo("UTC")))
    # when
    register(cast)
    # then one mark, of the Shanghai day
    assert list(KpiStaleDay.objects.values_list("day", flat=True)) == [date(2026, 4, 1)]


def test_each_step_of_a_request_marks_the_days_it_is_placed_by(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10))
    ticket = register(cast)
    assert marked() == [date(2026, 3, 2)]
    # a first response: the registration day (response KPIs place the request there)
    frozen_clock(datetime(2026, 3, 2, 11))
    ticket_reply(ticket=ticket, by=cast.specialist_a, body="已收到,明天上门")
    assert marked() == [date(2026, 3, 2)]
    # resolved on 3 March: registration and resolution days
    frozen_clock(datetime(2026, 3, 3, 16))
    ticket = resolve(ticket, cast.specialist_a)
    assert marked() == [date(2026, 3, 2), date(2026, 3, 3)]
    # reopened on 10 March: the request is still placed by both
    frozen_clock(datetime(2026, 3, 10, 9))
    ticket = ticket_reopen(ticket=ticket, by=cast.specialist_a, reason="故障复现")
    assert marked() == [date(2026, 3, 2), date(2026, 3, 3)]
    # resolved again on 2 April: it leaves 3 March's period for 2 April's, both are stale
    frozen_clock(datetime(2026, 4, 2, 15))
    ticket = resolve(ticket, cast.specialist_a)
    assert marked() == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 4, 2)]
    # closed on 3 April: closing moves no KPI day of its own, the request's days are marked
    frozen_clock(datetime(2026, 4, 3, 9))
    ticket_close(ticket=ticket, by=cast.specialist_a)
    assert marked() == [date(2026, 3, 2), date(2026, 4, 2)]


def test_a_survey_answer_marks_its_day_and_the_invitations_and_a_reassignment_refiles_both(
    cast, frozen_clock
):
    frozen_clock(datetime(2026, 3, 2, 10))
    ticket = register(cast)
    frozen_clock(datetime(2026, 3, 3, 16))
    ticket = resolve(ticket, cast.specialist_a)
    marked()
    # invited (mailed) on 4 March: the invitation's sending day
    frozen_clock(datetime(2026, 3, 4, 9))
    template = SurveyTemplate.objects.get(code="transactional", active=True)
    invitation, token = survey_invite(ticket=ticket, template=template)
    assert invitation.sent_at is not None
    assert marked() == [date(2026, 3, 4)]
    # answered on 6 March: the answers' day, and the invitation's (now answered) sending day
    frozen_clock(datetime(2026, 3, 6, 20))
    values = {"csat": 4, "nps": 9, "ces": 6, "text": ""}
    survey_respond(token=token, answers={item.pk: values[item.kind] for item in template.items.all()})
    assert marked() == [date(2026, 3, 4), date(2026, 3, 6)]
    # reopened and reassigned on 10 March: the specialist the survey rows are broken down by changes,
    # so their days are stale with the request's own
    frozen_clock(datetime(2026, 3, 10, 9))
    ticket = ticket_reopen(ticket=ticket, by=cast.specialist_a, reason="故障复现")
    marked()
    ticket_assign(ticket=ticket, assignee=cast.technician_a, by=cast.manager_a, reason="需要技师上门")
    assert marked() == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 6)]


def test_cancelling_a_later_request_marks_the_earlier_ones_it_counted_as_a_return_of(cast, frozen_clock):
    # given customer A's repair resolved on 27 February, and a repeat of the same fault on 20 March
    # (21 days later); another customer's request in between
    frozen_clock(at(2026, 4, 25, 12))
    repair = {"kind": "repair", "asset": cast.asset_a, "fault_category": cast.engine}
    request(cast.store_a, cast.customer_a, at(2026, 2, 20, 9), resolved_after=timedelta(days=7), **repair)
    repeat = request(cast.store_a, cast.customer_a, at(2026, 3, 20, 9), **repair)
    request(cast.store_b, cast.customer_b, at(2026, 3, 1, 9))
    kpi_snapshots_refresh(since=date(2026, 2, 1))
    assert snapshot("repeat_repair_30d", date(2026, 2, 1)).value == 1.0  # 1 of 1 settled repairs
    # when the repeat is cancelled
    ticket_cancel(ticket=repeat, by=cast.specialist_a, reason="重复登记")
    # then its day and the earlier request's registration and resolution days are stale
    assert sorted(set(KpiStaleDay.objects.values_list("day", flat=True))) == [
        date(2026, 2, 20),
        date(2026, 2, 27),
        date(2026, 3, 20),
    ]
    # and the minute job finds February's repair was not repeated after all
    kpi_snapshots_task.call()
    february = snapshot("repeat_repair_30d", date(2026, 2, 1))
    assert (february.value, february.numerator, february.denominator) == (0.0, 0, 1)


def test_the_look_back_covers_the_windows_of_the_kpis_that_link_requests():
    assert LINKED_LOOK_BACK >= max(REPEAT_WINDOW, CHURN_WINDOW)


def test_a_facts_import_marks_the_days_of_its_rows_and_the_day_a_moved_row_leaves(cast, frozen_clock):
    frozen_clock(datetime(2026, 4, 15, 12))

    def run(*rows, dry_run=False):
        with translation.override("en"):
            return facts_import_file(
                dataset="sales_deals",
                file_name="deals.csv",
                data=csv_bytes([SALES_HEADER, *rows]),
                by=cast.manager_a,
                dry_run=dry_run,
            )

    # a dry run writes nothing, so marks nothing
    assert run(sales_row("SD-1", day="2026-03-15"), dry_run=True).status == "dry_run"
    assert marked() == []
    # two deals delivered on 15 March and 2 April
    batch = run(sales_row("SD-1", day="2026-03-15"), sales_row("SD-2", day="2026-04-02"))
    assert (batch.status, batch.rows_created) == ("applied", 2)
    assert marked() == [date(2026, 3, 15), date(2026, 4, 2)]
    # SD-1 corrected to 20 March: the day it leaves and the day it moves to
    batch = run(sales_row("SD-1", day="2026-03-20"))
    assert (batch.status, batch.rows_updated) == ("applied", 1)
    assert marked() == [date(2026, 3, 15), date(2026, 3, 20)]


# --- the minute job ----------------------------------------------------------------------------------------


@pytest.fixture
def history(cast, frozen_clock):
    """Now is 15 April 2026 12:00 and every month since February is stored. Response within 24 h:
    February store A's request answered in an hour (1/1); March store A's answered in an hour and store
    B's, registered on 20 March, never answered (1/2)."""
    frozen_clock(at(2026, 4, 15, 12))
    request(cast.store_a, cast.customer_a, at(2026, 2, 9, 9), first_response_after=timedelta(hours=1))
    request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9), first_response_after=timedelta(hours=1))
    unanswered = request(cast.store_b, cast.customer_b, at(2026, 3, 20, 9))
    kpi_snapshots_refresh(since=date(2026, 2, 1))
    return unanswered


def snapshot(kpi, period, breakdown="", key=""):
    return KpiSnapshot.objects.get(kpi=kpi, grain="month", period_start=period, breakdown=breakdown, key=key)


def test_the_job_recomputes_only_the_periods_a_write_touched(history, cast, frozen_clock):
    before = snapshot("response_24h_rate", date(2026, 3, 1))
    assert (before.value, before.numerator, before.denominator) == (0.5, 1, 2)
    # given store B cancels its unanswered March request an hour later: it leaves March's response rate
    frozen_clock(at(2026, 4, 15, 13))
    ticket_cancel(ticket=history, by=cast.specialist_b, reason="客户已自行处理")
    # when the minute job runs
    result = kpi_snapshots_task.call()
    # then it drained the one mark (20 March) and rewrote March only (and the week of 16 March): by month,
    # every KPI for all stores and per store, as for each stored shape
    rewritten = KpiSnapshot.objects.filter(computed_at=at(2026, 4, 15, 13))
    assert result == {"marks": 1, "days": 1, "rows": rewritten.count()}
    assert set(rewritten.values_list("grain", "period_start")) == {
        ("month", date(2026, 3, 1)),
        ("week", date(2026, 3, 16)),
    }
    by_store = len(CATALOGUE.breakable_by("store"))
    by_month = rewritten.filter(grain="month", breakdown__in=["", "store"])
    assert by_month.count() == len(CATALOGUE.kpis) + 2 * by_store
    after = snapshot("response_24h_rate", date(2026, 3, 1))
    assert (after.value, after.numerator, after.denominator, after.n) == (1.0, 1, 1, 1)
    assert after.computed_at == at(2026, 4, 15, 13)
    assert snapshot("response_24h_rate", date(2026, 3, 1), "store", "store-b").value is None  # 0 judged
    # February and April were not touched: their rows are the ones computed at noon
    untouched = KpiSnapshot.objects.exclude(period_start__in=[date(2026, 3, 1), date(2026, 3, 16)])
    assert set(untouched.values_list("computed_at", flat=True)) == {at(2026, 4, 15, 12)}
    assert snapshot("response_24h_rate", date(2026, 2, 1)).value == 1.0
    assert KpiStaleDay.objects.count() == 0
    # and with nothing marked the next run does nothing
    assert kpi_snapshots_task.call() == {"marks": 0, "days": 0, "rows": 0}


def test_a_mark_written_while_the_job_runs_stays_for_the_next_run(history, cast, frozen_clock):
    frozen_clock(at(2026, 4, 15, 13))
    ticket_cancel(ticket=history, by=cast.specialist_b, reason="客户已自行处理")
    late = []

    def a_write_meanwhile(step):
        # another transaction commits a change of 9 February after the job read the marks
        if not late:
            stale_days_mark([at(2026, 2, 9, 15)])
            late.append(step)

    drained = kpi_snapshots_refresh_stale(progress=a_write_meanwhile)
    assert (drained.marks, drained.days) == (1, [date(2026, 3, 20)])
    assert list(KpiStaleDay.objects.values_list("day", flat=True)) == [date(2026, 2, 9)]
    # the next run recomputes February
    frozen_clock(at(2026, 4, 15, 14))
    assert kpi_snapshots_refresh_stale().days == [date(2026, 2, 9)]
    assert snapshot("response_24h_rate", date(2026, 2, 1)).computed_at == at(2026, 4, 15, 14)
    assert KpiStaleDay.objects.count() == 0


def test_a_period_recomputed_after_a_refresh_began_keeps_the_newer_values(history, frozen_clock):
    # given March's values were written by a refresh that began reading at 14:00
    KpiSnapshot.objects.filter(period_start=date(2026, 3, 1)).update(computed_at=at(2026, 4, 15, 14))
    # when a refresh that began at 13:00 writes February to April
    frozen_clock(at(2026, 4, 15, 13))
    kpi_snapshots_refresh(since=date(2026, 2, 1))
    # then it leaves March alone and writes the other two
    stamps = dict(
        KpiSnapshot.objects.filter(kpi="requests_received", grain="month", breakdown="").values_list(
            "period_start", "computed_at"
        )
    )
    assert stamps == {
        date(2026, 2, 1): at(2026, 4, 15, 13),
        date(2026, 3, 1): at(2026, 4, 15, 14),
        date(2026, 4, 1): at(2026, 4, 15, 13),
    }


def test_days_after_the_current_period_are_drained_but_not_stored(history, frozen_clock):
    stale_days_mark([date(2026, 6, 30)])  # a fact dated ahead (a delivery scheduled for June)
    assert kpi_snapshots_refresh_stale().rows == 0
    assert not KpiSnapshot.objects.filter(
        period_start__gte=date(2026, 4, 20)
    ).exists()  # April's week is the 13th
    assert KpiStaleDay.objects.count() == 0


def test_the_command_drains_the_marks_showing_progress(history, cast, frozen_clock):
    out = io.StringIO()
    call_command("kpi", "refresh", "--stale", stdout=out)
    assert out.getvalue().splitlines() == ["no days marked stale: nothing to compute"]
    frozen_clock(at(2026, 4, 15, 13))
    ticket_cancel(ticket=history, by=cast.specialist_b, reason="客户已自行处理")
    out = io.StringIO()
    call_command("kpi", "refresh", "--stale", stdout=out)
    kpis, by_store = len(CATALOGUE.kpis), len(CATALOGUE.breakable_by("store"))
    lines = out.getvalue().splitlines()
    # a line per stored shape (March, or the week of 16 March), then the total
    assert len(lines) == len(SNAPSHOT_SHAPES) + 1
    assert lines[:2] == [
        f"month all: 2026-03-01 … 2026-03-01 [1/1 periods] {kpis} values",
        f"month by store: 2026-03-01 … 2026-03-01 [1/1 periods] {2 * by_store} values",
    ]
    assert lines[-3] == f"week all: 2026-03-16 … 2026-03-16 [1/1 periods] {kpis} values"
    written = KpiSnapshot.objects.filter(computed_at=at(2026, 4, 15, 13)).count()
    assert lines[-1] == f"{written} snapshot values written; 1 marks drained, days 2026-03-20"


# --- the nightly job -------------------------------------------------------------------------------------


def test_the_nightly_job_recomputes_what_time_alone_changed(history, cast, frozen_clock):
    # given a request at 20:00 on 14 April, unanswered: at noon on the 15th its 24 hours are not over,
    # so April judges no request yet
    request(cast.store_a, cast.customer_a, at(2026, 4, 14, 20))
    kpi_snapshots_refresh(since=date(2026, 4, 1))
    assert snapshot("response_24h_rate", date(2026, 4, 1)).denominator == 0
    # when a day passes without any write: the minute job has nothing to do
    frozen_clock(at(2026, 4, 16, 3))
    assert kpi_snapshots_task.call()["marks"] == 0
    assert snapshot("response_24h_rate", date(2026, 4, 1)).denominator == 0
    # and the nightly job runs
    result = kpi_reconcile_task.call()
    # then April counts the breach: 0 of 1 answered within 24 hours
    april = snapshot("response_24h_rate", date(2026, 4, 1))
    assert (april.value, april.numerator, april.denominator) == (0.0, 0, 1)
    # over the 25 months from April 2024: every KPI for all stores, and per store where there were rows
    assert reconcile_since() == date(2024, 4, 1)
    assert KpiSnapshot.objects.filter(grain="month", breakdown="").count() == 25 * len(CATALOGUE.kpis)
    assert result == {"rows": KpiSnapshot.objects.count()}
    stored = set(KpiSnapshot.objects.values_list("grain", "breakdown").distinct())
    assert stored == {(shape.grain, shape.breakdown or "") for shape in SNAPSHOT_SHAPES}


def test_the_command_refreshes_only_the_grains_stored(history):
    with pytest.raises(
        CommandError, match=r"--grain: no snapshots are stored by day \(stored: month, week\)"
    ):
        call_command("kpi", "refresh", "--grain", "day")
