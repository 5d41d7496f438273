"""Fixtures of the dashboard tests: store B's manager and March's requests of both stores."""

from datetime import timedelta

import pytest

from aftersales.accounts.models import Role
from aftersales.core import testing
from aftersales.kpi.tests.rows import at, request

HOUR = timedelta(hours=1)


@pytest.fixture
def manager_b(cast):
    return testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))


@pytest.fixture
def march(cast, frozen_clock):
    """March 2026, seen on 25 April. Store A: 4 requests of specialist_a, 3 answered within 24 h and one
    after 30 h. Store B: 2 requests of specialist_b, both answered within an hour.
    24 h attainment: A 3 / 4 = 75.0 %, B 2 / 2 = 100.0 %, the company 5 / 6 = 83.3 %."""
    frozen_clock(at(2026, 4, 25, 12))
    a, b = cast.store_a, cast.store_b
    tickets = {"a": [], "b": []}
    for hours in (2, 2, 2, 30):
        tickets["a"].append(
            request(
                a,
                cast.customer_a,
                at(2026, 3, 2, 9),
                first_response_after=hours * HOUR,
                assignee=cast.specialist_a,
                fault_category=cast.engine,
            )
        )
    for _ in range(2):
        tickets["b"].append(
            request(
                b, cast.customer_b, at(2026, 3, 3, 9), first_response_after=HOUR, assignee=cast.specialist_b
            )
        )
    return tickets
