"""`aftersales demo_logins`: one demo account per role, to sign in after `aftersales seed`.

username              password  role                store
admin                 demo1234  administrator       全部门店
specialist1           demo1234  service specialist  上海浦东4S店
…
Open http://127.0.0.1:8000/ and sign in with any of them.
"""

import unicodedata

from django.core.management.base import BaseCommand
from django.db.models import Case, IntegerField, Q, Value, When

from aftersales.accounts.models import COMPANY_WIDE_ROLES, Role, User
from aftersales.core.seeding.context import PASSWORD, STAFF_EMAIL_DOMAIN

ROLES = (
    Role.ADMIN,
    Role.EXECUTIVE,
    Role.STORE_MANAGER,
    Role.DEPARTMENT_MANAGER,
    Role.SPECIALIST,
    Role.TECHNICIAN,
    Role.QUALITY,
    Role.HR,
    Role.CUSTOMER,
)
URL = "http://127.0.0.1:8000/"


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def store_of(user: User) -> str:
    if user.role == Role.CUSTOMER:
        customer = getattr(user, "customer", None)
        return customer.home_store.name if customer else "—"
    stores = [store.name for store in user.stores.all()]
    if user.is_superuser or user.role in COMPANY_WIDE_ROLES or len(stores) > 1:
        return "全部门店"
    return stores[0] if stores else "—"


def demo_accounts() -> list[User]:
    """The first seeded account of each role (seeded ones before any other account with that role)."""
    seeded = Q(email__endswith=STAFF_EMAIL_DOMAIN) | Q(customer__isnull=False)
    accounts = []
    for role in ROLES:
        user = (
            User.objects.filter(role=role, is_active=True)
            .annotate(own=Case(When(seeded, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("own", "pk")
            .prefetch_related("stores")
            .first()
        )
        if user is not None:
            accounts.append(user)
    return accounts


class Command(BaseCommand):
    help = f"Print one demo login per role (password {PASSWORD}) and the address to open."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--url", default=URL, help=f"address to show (default {URL})")

    def handle(self, *args, **options):
        accounts = demo_accounts()
        if not accounts:
            self.stdout.write("No demo accounts yet: run `aftersales seed` first.")
            return
        rows = [("username", "password", "role", "store")]
        rows += [(user.username, PASSWORD, str(user.get_role_display()), store_of(user)) for user in accounts]
        widths = [max(width(row[i]) for row in rows) for i in range(3)]
        for n, row in enumerate(rows):
            self.stdout.write("  ".join([*(pad(cell, widths[i]) for i, cell in enumerate(row[:3])), row[3]]))
            if n == 0:
                self.stdout.write("  ".join(["-" * w for w in widths] + ["-" * 12]))
        self.stdout.write(f"\nOpen {options['url']} and sign in with any of them (password {PASSWORD}).")
