"""Reference data cached per process (core.reference, ADR 0011): the version every write to a reference
table changes, by a trigger, and the cache that goes by it."""

from datetime import date

import pytest
from django.db import connection, transaction

from aftersales.accounts.models import CalendarOverride, FaultCategory, Store, WorkingPeriod
from aftersales.core import reference
from aftersales.core.models import KpiStaleDay, ReferenceVersion
from aftersales.customers.models import ProductModel, WarrantyPolicy
from aftersales.service.models import SlaPolicy

pytestmark = pytest.mark.django_db


def version() -> str | None:
    return ReferenceVersion.objects.filter(pk=1).values_list("value", flat=True).first()


def test_the_reference_tables_are_these_and_each_has_its_trigger():
    # given / when
    tables = reference.reference_tables()

    # then
    assert tables == sorted(
        model._meta.db_table
        for model in (
            CalendarOverride,
            FaultCategory,
            ProductModel,
            SlaPolicy,
            Store,
            WarrantyPolicy,
            WorkingPeriod,
        )
    )
    assert reference.tables_with_trigger() == set(tables)


def test_installing_again_keeps_one_trigger_each_and_starts_a_new_version():
    # given
    before = version()

    # when
    reference.install_triggers()

    # then
    assert reference.tables_with_trigger() == set(reference.reference_tables())
    assert version() not in (None, before)
    assert len(version()) == 32


def test_every_kind_of_write_to_a_reference_table_changes_the_version():
    # given
    versions = [version()]

    # when: an insert, an update through the ORM, one in SQL as another process might, a delete
    category = FaultCategory.objects.create(code="brake", name="制动", name_en="Brakes")
    versions.append(version())
    FaultCategory.objects.filter(pk=category.pk).update(name="刹车")
    versions.append(version())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_faultcategory SET name_en = 'Brake' WHERE code = 'brake'")
    versions.append(version())
    category.delete()
    versions.append(version())

    # then
    assert len(set(versions)) == 5


def test_a_write_to_other_tables_leaves_the_version():
    # given
    before = version()

    # when
    KpiStaleDay.objects.create(day=date(2026, 3, 2))

    # then
    assert version() == before


def test_cached_loads_once_per_version_and_again_after_a_write():
    # given
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    # when
    first, again = reference.cached(("test", 1), load), reference.cached(("test", 1), load)
    SlaPolicy.objects.create(name="新", response_minutes=60, resolution_minutes=120)
    after_write = reference.cached(("test", 1), load)

    # then
    assert (first, again, after_write) == (1, 1, 2)


def test_a_version_rolled_back_is_never_reached_again():
    """A counter would come back to the rolled-back number with other data; a random value does not."""
    # given
    with transaction.atomic():
        FaultCategory.objects.create(code="glass", name="玻璃", name_en="Glass")
        inside = reference.cached(
            ("code", "glass"), lambda: FaultCategory.objects.filter(code="glass").exists()
        )
        transaction.set_rollback(True)

    # when: other data, written the same way
    FaultCategory.objects.create(code="paint", name="漆面", name_en="Paint")
    after = reference.cached(("code", "glass"), lambda: FaultCategory.objects.filter(code="glass").exists())

    # then
    assert (inside, after) == (True, False)


def test_without_a_version_row_nothing_is_cached():
    # given
    ReferenceVersion.objects.all().delete()
    loads = []

    # when
    for _ in range(2):
        reference.cached(("test", 2), lambda: loads.append(1))

    # then
    assert len(loads) == 2


def test_unknown_keys_from_user_input_are_not_kept():
    # given
    loads = []

    def load():
        loads.append(1)

    # when
    for _ in range(2):
        reference.cached(("fault_category", "no-such-code"), load, keep_none=False)

    # then
    assert len(loads) == 2


def test_in_a_request_the_version_read_along_is_used_without_a_query(django_assert_num_queries):
    # given
    reference.cached(("test", 3), lambda: "loaded")

    # when / then: noted (as the token query does), the version costs no statement
    with reference.request_scope():
        reference.note(version())
        with django_assert_num_queries(0):
            assert reference.cached(("test", 3), lambda: "again") == "loaded"

    # when / then: outside a request, a noted version is not kept; each read asks
    reference.note("stale")
    with django_assert_num_queries(1):
        assert reference.cached(("test", 3), lambda: "again") == "loaded"


def test_in_a_request_without_a_noted_version_it_is_read_once(django_assert_num_queries):
    # given
    reference.cached(("test", 4), lambda: "loaded")

    # when / then
    with reference.request_scope(), django_assert_num_queries(1):
        assert reference.cached(("test", 4), lambda: "again") == "loaded"
        assert reference.cached(("test", 4), lambda: "again") == "loaded"


def test_cached_row_reads_a_reference_row_by_key(store_a):
    # when / then
    assert reference.cached_row(Store, None) is None
    assert reference.cached_row(Store, 999999) is None
    assert reference.cached_row(Store, store_a.pk).code == "store-a"
