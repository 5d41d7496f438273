import pytest

from aftersales.service.models import SlaPolicy
from aftersales.service.tests import dovecot
from aftersales.service.tests.dovecot import Dovecot


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


@pytest.fixture(scope="session")
def dovecot_server():
    """Our own Dovecot on loopback for the whole session (see aftersales/service/tests/dovecot.py)."""
    server = Dovecot()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def imap(dovecot_server, settings):
    """An empty mailbox on the test Dovecot, and `mail poll` configured for it (no TLS, flag \\Seen)."""
    dovecot_server.empty()
    settings.AFTERSALES_IMAP_HOST = "127.0.0.1"
    settings.AFTERSALES_IMAP_PORT = dovecot_server.port
    settings.AFTERSALES_IMAP_SECURITY = "none"
    settings.AFTERSALES_IMAP_CA_FILE = ""
    settings.AFTERSALES_IMAP_USER = dovecot.USER
    settings.AFTERSALES_IMAP_PASSWORD = dovecot.PASSWORD
    settings.AFTERSALES_IMAP_MAILBOX = "INBOX"
    settings.AFTERSALES_IMAP_PROCESSED = "seen"
    settings.AFTERSALES_IMAP_PROCESSED_FOLDER = "Processed"
    settings.AFTERSALES_IMAP_BATCH = 100
    settings.AFTERSALES_IMAP_TIMEOUT = 5
    return dovecot_server
