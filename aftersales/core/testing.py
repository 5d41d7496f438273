"""The shared cast for tests, the seed and demo logins: one organisation, two stores, named users per role.

Plain factory functions, idempotent (get-or-create by code / username), so a test module, a fixture
(see the root `conftest.py`) or the seed command can call them in any order:

    cast = make_cast()
    cast.specialist_a, cast.store_a, cast.customer_a.assets.get()

Store A (`store-a`, Asia/Shanghai) is open Mon–Fri 09:00–12:00 and 13:00–18:00, Sat 09:00–12:00;
store B (`store-b`) has the same hours. Every cast member's password is `PASSWORD`.

Models are imported inside the functions: `core` must not import the apps built on it at import time.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from aftersales.core import clock

if TYPE_CHECKING:
    from aftersales.accounts.models import FaultCategory, Organisation, Store, User
    from aftersales.customers.models import Asset, Customer, ProductModel, WarrantyPolicy

PASSWORD = "cast-password-1"  # noqa: S105 - test and demo accounts only

MORNING = (time(9), time(12))
AFTERNOON = (time(13), time(18))
# weekday (0 = Monday) -> opening periods
STORE_HOURS: dict[int, tuple[tuple[time, time], ...]] = {
    **{day: (MORNING, AFTERNOON) for day in range(5)},
    5: (MORNING,),
}


def make_org(code: str = "acme", name: str = "Acme 售后") -> Organisation:
    from aftersales.accounts.models import Organisation

    org, _ = Organisation.objects.get_or_create(code=code, defaults={"name": name})
    return org


def make_store(
    org: Organisation,
    code: str,
    name: str,
    *,
    tz: str = "Asia/Shanghai",
    hours: dict[int, tuple[tuple[time, time], ...]] | None = None,
    city: str = "上海",
) -> Store:
    """A store with its weekly WorkingPeriod rows (replaced when `hours` differ from what is stored)."""
    from aftersales.accounts.models import Store, WorkingPeriod

    store, _ = Store.objects.get_or_create(
        code=code, defaults={"organisation": org, "name": name, "timezone": tz, "city": city}
    )
    wanted = {
        (weekday, starts, ends)
        for weekday, periods in (hours or STORE_HOURS).items()
        for starts, ends in periods
    }
    stored = set(store.working_periods.values_list("weekday", "starts", "ends"))
    if stored != wanted:
        store.working_periods.all().delete()
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(store=store, weekday=weekday, starts=starts, ends=ends)
            for weekday, starts, ends in sorted(wanted)
        )
    return store


def make_fault_category(code: str = "engine", name: str = "发动机", name_en: str = "Engine") -> FaultCategory:
    from aftersales.accounts.models import FaultCategory

    category, _ = FaultCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    return category


def make_user(
    username: str,
    role: str,
    *,
    stores: tuple[Store, ...] = (),
    skills: tuple[FaultCategory, ...] = (),
    display_name: str = "",
    is_superuser: bool = False,
    password: str = PASSWORD,
) -> User:
    """A user of `role` in `stores` with `skills`; staff roles may use the admin only if superuser."""
    from aftersales.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
    user.role = role
    user.display_name = display_name or username
    user.email = user.email or f"{username}@example.com"
    user.is_superuser = is_superuser
    user.is_staff = is_superuser
    user.is_active = True
    user.set_password(password)
    user.save()
    user.stores.set(stores)
    user.skills.set(skills)
    return user


def make_warranty_policy(
    code: str = "standard-24", name: str = "整车质保 24 个月", months: int = 24
) -> WarrantyPolicy:
    from aftersales.customers.models import WarrantyPolicy

    policy, _ = WarrantyPolicy.objects.get_or_create(
        code=code,
        defaults={"name": name, "coverage_months": months, "parts_percent": 100, "labour_percent": 100},
    )
    return policy


def make_product_model(
    code: str = "ev-s1", name: str = "EV S1", *, category_code: str = "ev", category_name: str = "电动汽车"
) -> ProductModel:
    from aftersales.customers.models import ProductCategory, ProductModel

    category, _ = ProductCategory.objects.get_or_create(code=category_code, defaults={"name": category_name})
    product_model, _ = ProductModel.objects.get_or_create(
        code=code,
        defaults={
            "category": category,
            "name": name,
            "identifier_kind": ProductModel.IdentifierKind.SERIAL,
            "warranty_policy": make_warranty_policy(),
        },
    )
    return product_model


def make_customer(
    store: Store,
    username: str,
    *,
    name: str = "",
    serial: str = "",
    purchase_date: date = date(2026, 3, 1),
    product_model: ProductModel | None = None,
) -> Customer:
    """A customer of `store` with a portal login (role customer) and one asset under warranty.

    The asset's coverage runs from the purchase date for the product model's policy (24 months)."""
    from aftersales.accounts.models import Role
    from aftersales.customers.models import Asset, Coverage, Customer
    from aftersales.customers.services import coverage_end

    user = make_user(username, Role.CUSTOMER, display_name=name or username)
    customer, _ = Customer.objects.get_or_create(
        user=user,
        defaults={
            "name": name or username,
            "home_store": store,
            "phone": f"1380000{zlib.crc32(username.encode()) % 10000:04d}",
            "email": user.email,
        },
    )
    product_model = product_model or make_product_model()
    asset, created = Asset.objects.get_or_create(
        product_model=product_model,
        serial=serial or f"SN-{username.upper()}-0001",
        defaults={"customer": customer, "purchase_date": purchase_date, "selling_store": store},
    )
    if created or not asset.coverages.exists():
        policy = product_model.warranty_policy
        Coverage.objects.create(
            asset=asset,
            policy=policy,
            starts_on=purchase_date,
            ends_on=coverage_end(starts_on=purchase_date, months=policy.coverage_months),
        )
    return customer


@dataclass
class Cast:
    org: Organisation
    store_a: Store
    store_b: Store
    engine: FaultCategory
    specialist_a: User
    specialist_b: User
    technician_a: User
    manager_a: User
    executive: User
    admin: User
    customer_a: Customer
    customer_b: Customer

    @property
    def asset_a(self) -> Asset:
        return self.customer_a.assets.get()

    @property
    def asset_b(self) -> Asset:
        return self.customer_b.assets.get()


def make_stores() -> tuple[Organisation, Store, Store]:
    org = make_org()
    return (
        org,
        make_store(org, "store-a", "A 店 · 浦东"),
        make_store(org, "store-b", "B 店 · 闵行", city="上海"),
    )


def make_cast() -> Cast:
    """The whole cast (see the module docstring); safe to call again, it returns the same rows."""
    from aftersales.accounts.models import Role

    org, store_a, store_b = make_stores()
    engine = make_fault_category()
    return Cast(
        org=org,
        store_a=store_a,
        store_b=store_b,
        engine=engine,
        specialist_a=make_user(
            "specialist_a", Role.SPECIALIST, stores=(store_a,), skills=(engine,), display_name="张专员"
        ),
        specialist_b=make_user(
            "specialist_b", Role.SPECIALIST, stores=(store_b,), skills=(engine,), display_name="李专员"
        ),
        technician_a=make_user(
            "technician_a", Role.TECHNICIAN, stores=(store_a,), skills=(engine,), display_name="王技师"
        ),
        manager_a=make_user("manager_a", Role.STORE_MANAGER, stores=(store_a,), display_name="赵店长"),
        executive=make_user("executive", Role.EXECUTIVE, display_name="钱总"),
        admin=make_user("admin", Role.ADMIN, is_superuser=True, display_name="管理员"),
        customer_a=make_customer(store_a, "customer_a", name="孙先生", serial="SN-A-0001"),
        customer_b=make_customer(store_b, "customer_b", name="周女士", serial="SN-B-0001"),
    )


class FrozenClock:
    """Pins `aftersales.core.clock.now()`; call it with an instant, `.advance()` to move on.

    A naive datetime is read in settings.TIME_ZONE (Asia/Shanghai). The instant is pinned in UTC, as
    the server's clock (`timezone.now()`) gives it: code taking the `.date()` or `.month` of an instant
    without the organisation's zone is then as wrong in a test as in production around midnight."""

    def __call__(self, at: datetime) -> datetime:
        if timezone.is_naive(at):
            at = timezone.make_aware(at, timezone.get_default_timezone())
        at = at.astimezone(UTC)
        clock.set_override(at)
        return at

    def advance(self, **delta: Any) -> datetime:
        current = clock.now()
        return self(current + timedelta(**delta))

    @property
    def now(self) -> datetime:
        return clock.now()

    def release(self) -> None:
        clock.set_override(None)


__all__ = [
    "PASSWORD",
    "STORE_HOURS",
    "Cast",
    "FrozenClock",
    "make_cast",
    "make_customer",
    "make_fault_category",
    "make_org",
    "make_product_model",
    "make_store",
    "make_stores",
    "make_user",
    "make_warranty_policy",
]
