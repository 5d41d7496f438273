"""Customers (people and companies, with contacts and a few portal logins), their assets and the
warranty coverage of each asset, laid out as `customers.services.asset_register` would."""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from aftersales.accounts.models import Role, User
from aftersales.core.seeding.catalogue import EXTENDED, Catalogue, Model, Policy
from aftersales.core.seeding.context import Seed
from aftersales.core.seeding.names import CONTACT_POSITIONS, Choice, appliance_serial, make_vin
from aftersales.core.seeding.org import OrgData, StoreInfo
from aftersales.customers.models import Asset, Contact, Coverage, Customer
from aftersales.customers.services import coverage_end

PERSON_TIERS = Choice((("standard", 72), ("silver", 15), ("gold", 9), ("vip", 4)))
COMPANY_TIERS = Choice((("standard", 40), ("silver", 25), ("gold", 20), ("vip", 15)))
PURCHASE_YEARS = 4


@dataclass(slots=True)
class AssetInfo:
    id: int
    model: Model
    serial: str
    purchased: date
    usable_from: date  # delivery (vehicles) or purchase
    coverages: list[tuple[date, date, int, int]]  # (first day, last day, parts %, labour %)

    def warranty_on(self, day: date) -> tuple[bool, int, int]:
        """Same rule as `customers.selectors.asset_warranty_status`: the most generous coverage in force."""
        in_force = [c for c in self.coverages if c[0] <= day <= c[1]]
        if not in_force:
            return False, 0, 0
        best = max(in_force, key=lambda c: (c[2] + c[3], c[1]))
        return True, best[2], best[3]


@dataclass(slots=True)
class CustomerInfo:
    id: int
    tier: str
    company: bool
    user_id: int | None
    address: str
    assets: list[AssetInfo] = field(default_factory=list)


@dataclass
class StoreCustomers:
    customers: list[CustomerInfo]
    cumulative: list[float]  # cumulative ticket weights, for picking who calls

    def pick(self, rng) -> CustomerInfo:
        return self.customers[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@functools.lru_cache(maxsize=65536)
def _coverage_end(starts_on: date, months: int) -> date:
    return coverage_end(starts_on=starts_on, months=months)


def seed_customers(s: Seed, org: OrgData, catalogue: Catalogue) -> list[StoreCustomers]:
    rng = s.rng
    weights = [rng.uniform(0.8, 1.2) for _ in org.stores]
    total = sum(weights)
    counts = [max(s.size.portal_users_per_store + 2, round(s.size.customers * wt / total)) for wt in weights]
    sequences = itertools.count(1)
    portal_numbers = itertools.count(1)
    result = []
    done, grand_total = 0, sum(counts)
    for store, count in zip(org.stores, counts, strict=True):
        models = catalogue.models_of(store.domain)
        customers, cumulative, running = [], [], 0.0
        for n in range(count):
            portal = n < s.size.portal_users_per_store
            customer, weight = _customer(s, org, store, catalogue, models, sequences, portal, portal_numbers)
            running += weight
            customers.append(customer)
            cumulative.append(running)
        result.append(StoreCustomers(customers, cumulative))
        done += count
        s.writer.flush()
        s.progress(f"customers {done:,}/{grand_total:,}")
    return result


def _customer(s, org, store: StoreInfo, catalogue, models, sequences, portal, portal_numbers):
    rng, names, w = s.rng, s.names, s.writer
    company = not portal and rng.random() < 0.15
    tier = (COMPANY_TIERS if company else PERSON_TIERS).pick(rng)
    city = store.spec.city
    if company:
        name, family, given = names.company(city), "", ""
    else:
        family, given = names.person()
        name = family + given
    # Purchases over the last four years, so older assets are out of warranty by now.
    n_assets = rng.randint(2, 6) if company else (1 if rng.random() < 0.8 else 2)
    if store.domain == "appliance" and not company:
        n_assets = rng.randint(1, 3)
    days_back = PURCHASE_YEARS * 365
    purchases = sorted(s.today - timedelta(days=rng.randint(3, days_back)) for _ in range(n_assets))
    joined = s.at(purchases[0], rng.uniform(9.5, 17.5)) - timedelta(days=rng.randint(0, 3))
    email = names.email() if portal or rng.random() < 0.6 else ""
    user_id = None
    if portal:
        username = s.username(f"customer{next(portal_numbers)}")
        user_id = w.add(
            User,
            {
                "password": org.password_hash,
                "username": username,
                "first_name": given,
                "last_name": family,
                "email": email,
                "is_superuser": False,
                "is_staff": False,
                "is_active": True,
                "date_joined": joined + timedelta(days=rng.randint(1, 30)),
                "role": Role.CUSTOMER,
                "display_name": name,
                "phone": "",
                "on_duty": True,
            },
        )
        org.usernames[user_id] = username
    address = names.address(city)
    customer_id = w.add(
        Customer,
        {
            "kind": Customer.Kind.COMPANY if company else Customer.Kind.PERSON,
            "name": name,
            "phone": names.mobile(),
            "email": email,
            "tier": tier,
            "consent_to_contact": rng.random() < 0.85,
            "region": store.spec.region,
            "city": city,
            "address": address,
            "home_store_id": store.id,
            "user_id": user_id,
            "created_at": joined,
            "updated_at": joined,
        },
    )
    if company:
        for _ in range(rng.randint(1, 2)):
            cf, cg = names.person()
            w.add(
                Contact,
                {
                    "customer_id": customer_id,
                    "name": cf + cg,
                    "phone": names.mobile(),
                    "email": names.email() if rng.random() < 0.7 else "",
                    "position": rng.choice(CONTACT_POSITIONS),
                    "created_at": joined,
                    "updated_at": joined,
                },
            )
    info = CustomerInfo(customer_id, tier, company, user_id, address)
    for purchased in purchases:
        info.assets.append(_asset(s, store, catalogue, rng.choice(models), customer_id, purchased, sequences))
    weight = rng.lognormvariate(0, 0.7) * (1 + 0.5 * len(purchases)) * (4 if portal else 1)
    return info, weight


def _asset(
    s, store, catalogue: Catalogue, model: Model, customer_id, purchased: date, sequences
) -> AssetInfo:
    rng, w = s.rng, s.writer
    sequence = next(sequences)
    if model.domain == "vehicle":
        serial = make_vin(
            wmi="LYH",
            vds=model.code_part,
            model_year=(purchased - timedelta(days=rng.randint(30, 240))).year + 1,
            plant=rng.choice("SHN"),
            sequence=sequence,
        )
        delivered = purchased + timedelta(days=rng.randint(0, 14))
    else:
        made = purchased - timedelta(days=rng.randint(20, 180))
        serial = appliance_serial(model.code_part, year=made.year, month=made.month, sequence=sequence)
        delivered = None
    created = s.at(purchased, rng.uniform(9.5, 18))
    asset_id = w.add(
        Asset,
        {
            "customer_id": customer_id,
            "product_model_id": model.id,
            "serial": serial,
            "purchase_date": purchased,
            "delivery_date": delivered,
            "selling_store_id": store.id,
            "created_at": created,
            "updated_at": created,
        },
    )
    policies: list[Policy] = [model.policy]
    extended_code, share = EXTENDED[model.domain]
    if rng.random() < share:
        policies.append(catalogue.policies[extended_code])
    coverages = []
    for policy in policies:
        starts = delivered if policy.basis == "delivery" and delivered else purchased
        ends = _coverage_end(starts, policy.months)
        w.add(
            Coverage,
            {
                "asset_id": asset_id,
                "policy_id": policy.id,
                "starts_on": starts,
                "ends_on": ends,
                "created_at": created,
                "updated_at": created,
            },
        )
        coverages.append((starts, ends, policy.parts, policy.labour))
    return AssetInfo(asset_id, model, serial, purchased, delivered or purchased, coverages)
