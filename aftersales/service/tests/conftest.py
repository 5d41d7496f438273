import pytest

from aftersales.service.models import SlaPolicy


@pytest.fixture
def default_policy(db):
    """The seed's rule: respond within 24 h (calendar time); resolve within 72 h."""
    return SlaPolicy.objects.create(name="默认", response_minutes=24 * 60, resolution_minutes=72 * 60)


@pytest.fixture
def business_policy(db, store_a):
    """Store A, business hours: respond within 4 working hours, resolve within 16."""
    return SlaPolicy.objects.create(
        name="A 店工作时间",
        store=store_a,
        response_minutes=4 * 60,
        resolution_minutes=16 * 60,
        business_hours=True,
    )
