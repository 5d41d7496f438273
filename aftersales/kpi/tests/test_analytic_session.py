"""The KPI queries' session settings on PostgreSQL (JIT off, more sort memory), gone after the query."""

import pytest
from django.db import connection

from aftersales.kpi.engine import analytic_session


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_session_settings_hold_inside_and_end_with_it(settings):
    settings.AFTERSALES_KPI_WORK_MEM_MB = 96
    if connection.vendor == "postgresql":
        before = (_setting("jit"), _setting("work_mem"))
        with analytic_session():
            assert connection.in_atomic_block
            assert (_setting("jit"), _setting("work_mem")) == ("off", "96MB")
        assert (_setting("jit"), _setting("work_mem")) == before
        assert before[1] != "96MB"
    else:
        # SQLite has neither setting: no transaction is opened for nothing.
        with analytic_session():
            assert not connection.in_atomic_block
