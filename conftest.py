"""Fixtures for every test: the shared cast (aftersales.core.testing) and a frozen clock.

    def test_x(specialist_a, customer_a, frozen_clock): ...

`cast` returns everything at once (a `Cast`); each member is also its own fixture. All need the DB.
Browser tests (`-m browser`) get Debian's Chromium, headless, through pytest-playwright.
"""

import os
import shutil

import pytest

from aftersales.core import testing


@pytest.fixture
def org(db):
    """The organisation, with stores A (`store-a`) and B (`store-b`) and their working hours."""
    organisation, _store_a, _store_b = testing.make_stores()
    return organisation


@pytest.fixture
def store_a(org):
    return org.stores.get(code="store-a")


@pytest.fixture
def store_b(org):
    return org.stores.get(code="store-b")


@pytest.fixture
def cast(org) -> testing.Cast:
    return testing.make_cast()


@pytest.fixture
def engine(cast):
    """The fault category `engine`, the skill of specialist_a, specialist_b and technician_a."""
    return cast.engine


@pytest.fixture
def specialist_a(cast):
    return cast.specialist_a


@pytest.fixture
def specialist_b(cast):
    return cast.specialist_b


@pytest.fixture
def technician_a(cast):
    return cast.technician_a


@pytest.fixture
def manager_a(cast):
    return cast.manager_a


@pytest.fixture
def executive(cast):
    return cast.executive


@pytest.fixture
def admin(cast):
    return cast.admin


@pytest.fixture
def customer_a(cast):
    """A `customers.Customer` of store A; `.user` is the portal login, `.assets` holds one asset."""
    return cast.customer_a


@pytest.fixture
def customer_b(cast):
    return cast.customer_b


@pytest.fixture
def asset_a(cast):
    return cast.asset_a


@pytest.fixture
def asset_b(cast):
    return cast.asset_b


@pytest.fixture
def frozen_clock():
    """Pin `aftersales.core.clock.now()`: `frozen_clock(datetime(2026, 3, 2, 10))`, `.advance(hours=2)`.

    Naive datetimes are Asia/Shanghai; the clock is released after the test."""
    clock = testing.FrozenClock()
    yield clock
    clock.release()


# --- browser tests -------------------------------------------------------------------------------------
# Debian's Chromium, never a downloaded browser. The flags keep it quiet on a machine without network.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            *browser_type_launch_args.get("args", []),
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=zh-CN",  # the browser's own UI (file pickers) in the product's default language
        ],
    }


@pytest.hookimpl(trylast=True)  # after `-m` has deselected: only when browser tests will run
def pytest_collection_modifyitems(config, items):
    # Playwright drives the browser from an event loop; Django's ORM refuses to run inside one unless
    # told it is safe (the test, not a server coroutine, owns that loop).
    if any(item.get_closest_marker("browser") for item in items):
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Browser tests serve pages from a live server, so their database is not rolled back but emptied
    # afterwards, data migrations' rows included (the survey templates). pytest's grouping by
    # session-scoped parameters (pytest-playwright's browser name) can pull them in among the other
    # tests, as a test parametrized with `page` once did: whatever the grouping, they go last.
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + [
        item for item in items if item.get_closest_marker("browser")
    ]
