"""Which SLA policy a request gets: the most specific active one whose criteria all match."""

import pytest

from aftersales.service.models import SlaPolicy, Ticket
from aftersales.service.services.sla import sla_policy_for


def policy(name, **criteria):
    return SlaPolicy.objects.create(name=name, response_minutes=60, resolution_minutes=600, **criteria)


@pytest.fixture
def request_of_store_a(cast):
    """A normal-priority repair for customer A (tier standard) at store A, not saved: the match runs
    before the row is written."""
    return Ticket(store=cast.store_a, customer=cast.customer_a, kind="repair", priority="normal")


@pytest.mark.django_db
def test_most_specific_matching_policy_wins(cast, request_of_store_a):
    # given policies of rising specificity: (kind 2 + priority 1) = 3 < tier 4 < store 8 < store + kind 10
    policy("any")
    policy("repair, normal", kind="repair", priority="normal")
    policy("standard tier", customer_tier="standard")
    policy("store A", store=cast.store_a)
    best = policy("store A repairs", store=cast.store_a, kind="repair")
    # and more specific ones that do not match this request
    policy("store B repairs", store=cast.store_b, kind="repair", priority="normal", customer_tier="standard")
    policy("store A urgent", store=cast.store_a, kind="repair", priority="urgent")
    policy("store A vip", store=cast.store_a, kind="repair", customer_tier="vip")
    policy(
        "store A repairs, switched off", store=cast.store_a, kind="repair", priority="normal", active=False
    )
    # when / then
    assert sla_policy_for(ticket=request_of_store_a) == best


@pytest.mark.django_db
def test_equal_specificity_goes_to_the_higher_rank_then_the_older_policy(cast, request_of_store_a):
    # given three policies that each match on the kind alone (specificity 2)
    older = policy("older", kind="repair", rank=5)
    policy("newer", kind="repair", rank=5)
    policy("lower rank", kind="repair", rank=1)
    # when / then
    assert sla_policy_for(ticket=request_of_store_a) == older


@pytest.mark.django_db
def test_no_matching_policy_is_none(cast, request_of_store_a):
    policy("store B", store=cast.store_b)
    policy("inquiries", kind="inquiry")
    assert sla_policy_for(ticket=request_of_store_a) is None
