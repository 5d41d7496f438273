from datetime import UTC, date, datetime

from aftersales.accounts.models import CalendarOverride
from aftersales.service.checks import next_year_calendar_announced


def test_warns_in_autumn_when_next_year_is_unknown(db, frozen_clock):
    # given it is November 2026 and the holidays package does not know 2027's make-up days
    frozen_clock(datetime(2026, 11, 30, 9, 0))
    # when
    warnings = next_year_calendar_announced(None)
    # then
    assert [w.id for w in warnings] == ["aftersales.W001"]
    assert "2027" in warnings[0].msg


def test_october_is_shanghais_october(db, frozen_clock):
    # 30 September 23:00 UTC, as the server's clock gives it, is 1 October 07:00 in Shanghai: October
    frozen_clock(datetime(2026, 9, 30, 23, 0, tzinfo=UTC))
    assert [w.id for w in next_year_calendar_announced(None)] == ["aftersales.W001"]
    frozen_clock(datetime(2026, 9, 30, 15, 59, tzinfo=UTC))  # 23:59 on 30 September there
    assert next_year_calendar_announced(None) == []


def test_quiet_once_an_admin_entered_the_coming_year(db, frozen_clock):
    # given
    frozen_clock(datetime(2026, 11, 30, 9, 0))
    CalendarOverride.objects.create(date=date(2027, 2, 20), is_workday=True, name="春节调休")
    # when / then
    assert next_year_calendar_announced(None) == []


def test_quiet_before_october_and_when_the_package_knows(db, frozen_clock):
    frozen_clock(datetime(2026, 9, 30, 9, 0))
    assert next_year_calendar_announced(None) == []
    frozen_clock(datetime(2025, 11, 30, 9, 0))  # 2026 is announced and in the package
    assert next_year_calendar_announced(None) == []


def test_warns_when_the_mail_default_store_names_no_store(cast, settings):
    from aftersales.service.checks import mail_default_store_exists

    settings.AFTERSALES_MAIL_DEFAULT_STORE = "store-x"
    warnings = mail_default_store_exists(None)
    assert [w.id for w in warnings] == ["aftersales.W002"]
    assert warnings[0].msg == (
        "AFTERSALES_MAIL_DEFAULT_STORE='store-x' names no store: mail from a new sender would be quarantined."
    )
    settings.AFTERSALES_MAIL_DEFAULT_STORE = cast.store_b.code
    assert mail_default_store_exists(None) == []
    settings.AFTERSALES_MAIL_DEFAULT_STORE = ""
    assert mail_default_store_exists(None) == []
