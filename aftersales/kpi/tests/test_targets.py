"""Targets: the catalogue's seed defaults, per-store and per-period overrides resolved most specific store
first, then the latest valid period; the traffic light by direction; admin validation."""

from datetime import date

import pytest

from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.models import KpiTarget
from aftersales.kpi.semantic import Direction
from aftersales.kpi.targets import Source, Status, Target, status, status_of, target_book, validate_target

CSAT = CATALOGUE.by_code["csat_t2b"]
COMPLAINTS = CATALOGUE.by_code["complaint_rate"]

# --- status (pure) ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.96, Status.GREEN),
        (0.95, Status.GREEN),
        (0.93, Status.AMBER),
        (0.90, Status.AMBER),
        (0.89, Status.RED),
    ],
)
def test_higher_is_better_green_from_the_target_amber_down_to_the_warning(value, expected):
    assert status(value, direction=Direction.HIGHER, target=0.95, warning=0.90) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.005, Status.GREEN),
        (0.01, Status.GREEN),
        (0.015, Status.AMBER),
        (0.02, Status.AMBER),
        (0.021, Status.RED),
    ],
)
def test_lower_is_better_green_up_to_the_target_amber_up_to_the_warning(value, expected):
    assert status(value, direction=Direction.LOWER, target=0.01, warning=0.02) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.25, Status.GREEN),
        (1.5, Status.GREEN),
        (1.0, Status.GREEN),
        (1.75, Status.AMBER),
        (0.75, Status.AMBER),
        (1.76, Status.RED),
        (0.74, Status.RED),
    ],
)
def test_a_band_is_green_inside_and_amber_within_the_warning_margin_outside(value, expected):
    # an inventory coefficient: 1.0–1.5 is fine, up to 0.25 beyond either end is a warning
    assert status(value, direction=Direction.BAND, target=None, warning=0.25, band=(1.0, 1.5)) == expected


def test_without_a_warning_threshold_missing_the_target_is_red():
    assert status(0.94, direction=Direction.HIGHER, target=0.95) == Status.RED
    assert status(1.6, direction=Direction.BAND, target=None, band=(0.8, 1.5)) == Status.RED


def test_no_value_or_no_target_has_no_status():
    assert status(None, direction=Direction.HIGHER, target=0.95, warning=0.9) == Status.NONE
    assert status(0.5, direction=Direction.HIGHER, target=None) == Status.NONE
    assert status(0.5, direction=Direction.BAND, target=None) == Status.NONE
    assert status_of(CSAT, 0.99, None) == Status.NONE


# --- resolution -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_defaults_come_from_the_catalogue():
    # CSAT ≥ 95 %, every request effectively responded within 24 h, resolution accuracy ≥ 98 %
    book = target_book(["csat_t2b", "response_24h_rate", "first_time_right_30d", "mttr_h"])
    day = date(2026, 3, 1)
    resolved = {
        code: book.resolve(CATALOGUE.by_code[code], store=None, day=day)
        for code in ("csat_t2b", "response_24h_rate", "first_time_right_30d", "mttr_h")
    }
    assert resolved["csat_t2b"] == Target(target=0.95, warning=0.90, source=Source.CATALOGUE)
    assert resolved["response_24h_rate"] == Target(target=1.0, warning=0.95, source=Source.CATALOGUE)
    assert resolved["first_time_right_30d"] == Target(target=0.98, warning=0.95, source=Source.CATALOGUE)
    assert resolved["mttr_h"] is None  # no default target: no status


@pytest.mark.django_db
def test_the_store_target_wins_over_every_store_and_the_latest_valid_period_wins(store_a, store_b):
    # given: every store 0.96 from January; store A 0.97 from January and 0.99 from April to June
    KpiTarget.objects.create(kpi_code="csat_t2b", valid_from=date(2026, 1, 1), target=0.96, warning=0.9)
    KpiTarget.objects.create(kpi_code="csat_t2b", store=store_a, valid_from=date(2026, 1, 1), target=0.97)
    KpiTarget.objects.create(
        kpi_code="csat_t2b",
        store=store_a,
        valid_from=date(2026, 4, 1),
        valid_until=date(2026, 6, 30),
        target=0.99,
    )
    book = target_book(["csat_t2b"])

    def target(store, day):
        resolved = book.resolve(CSAT, store=store, day=day)
        return resolved.target, resolved.source

    # then store A: 0.97 in March, 0.99 from April to June (inclusive), 0.97 again in July
    assert target("store-a", date(2026, 3, 1)) == (0.97, Source.STORE)
    assert target("store-a", date(2026, 4, 1)) == (0.99, Source.STORE)
    assert target("store-a", date(2026, 6, 30)) == (0.99, Source.STORE)
    assert target("store-a", date(2026, 7, 1)) == (0.97, Source.STORE)
    # store B and the company as a whole take the row for every store; before January the catalogue
    assert target("store-b", date(2026, 3, 1)) == (0.96, Source.ALL_STORES)
    assert target(None, date(2026, 3, 1)) == (0.96, Source.ALL_STORES)
    assert target("store-b", date(2025, 12, 1)) == (0.95, Source.CATALOGUE)


@pytest.mark.django_db
def test_the_target_book_reads_all_targets_in_one_query(store_a, django_assert_num_queries):
    for month in (1, 2, 3):
        KpiTarget.objects.create(
            kpi_code="csat_t2b", store=store_a, valid_from=date(2026, month, 1), target=0.9
        )
    with django_assert_num_queries(1):
        book = target_book(["csat_t2b", "nps"])
        book.resolve(CSAT, store="store-a", day=date(2026, 3, 1))
        book.resolve(CSAT, store="store-a", day=date(2026, 2, 1))


@pytest.mark.django_db
def test_status_of_a_value_against_the_resolved_target(store_a):
    KpiTarget.objects.create(
        kpi_code="complaint_rate", store=store_a, valid_from=date(2026, 1, 1), target=0.005, warning=0.01
    )
    book = target_book(["complaint_rate"])
    # 0.8 % of orders: amber in store A (target 0.5 %), green by the catalogue's 1 % elsewhere
    assert (
        status_of(COMPLAINTS, 0.008, book.resolve(COMPLAINTS, store="store-a", day=date(2026, 3, 1)))
        == Status.AMBER
    )
    assert (
        status_of(COMPLAINTS, 0.008, book.resolve(COMPLAINTS, store="store-b", day=date(2026, 3, 1)))
        == Status.GREEN
    )


# --- validation -------------------------------------------------------------------------------------------


def _errors(**fields):
    row = {
        "kpi_code": "csat_t2b",
        "valid_from": date(2026, 1, 1),
        "valid_until": None,
        "target": 0.95,
        "warning": 0.9,
        "band_low": None,
        "band_high": None,
    }
    return validate_target(**{**row, **fields})


def test_a_valid_target_has_no_errors():
    assert _errors() == {}


def test_bad_targets_are_refused_with_the_field_named():
    assert list(_errors(kpi_code="nope")) == ["kpi_code"]
    assert list(_errors(valid_until=date(2025, 12, 31))) == ["valid_until"]
    assert list(_errors(target=None)) == ["target"]
    assert list(_errors(warning=0.97)) == ["warning"]  # higher is better: the warning sits below
    assert list(_errors(kpi_code="complaint_rate", target=0.01, warning=0.005)) == ["warning"]


@pytest.mark.django_db
def test_the_admin_form_refuses_a_warning_on_the_wrong_side(admin):
    from django.test import Client

    client = Client(headers={"Accept-Language": "en"})
    client.force_login(admin)
    response = client.post(
        "/admin/kpi/kpitarget/add/",
        {"kpi_code": "csat_t2b", "valid_from": "2026-01-01", "target": "0.95", "warning": "0.97"},
    )
    assert response.status_code == 200
    assert "the warning threshold must not be above the target" in response.content.decode()
    assert not KpiTarget.objects.exists()
    response = client.post(
        "/admin/kpi/kpitarget/add/",
        {"kpi_code": "csat_t2b", "valid_from": "2026-01-01", "target": "0.95", "warning": "0.9"},
    )
    assert response.status_code == 302
    assert KpiTarget.objects.get().target == 0.95
