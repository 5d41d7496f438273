"""The organisation: stores with opening hours, departments and teams, the fault taxonomy, staff of
every role with their skills, and a few leave periods."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.contrib.auth.hashers import make_password

from aftersales.accounts.models import (
    Department,
    FaultCategory,
    Leave,
    Organisation,
    Role,
    Store,
    Team,
    User,
    WorkingPeriod,
)
from aftersales.core.seeding.context import ORG_CODE, PASSWORD, STAFF_EMAIL_DOMAIN, Seed
from aftersales.core.seeding.faults import FAULTS, KIND_TEXTS, REPAIR_LEAVES
from aftersales.core.seeding.names import STORES, StoreSpec

MORNING, AFTERNOON = (time(8, 30), time(12)), (time(13), time(17, 30))
DEPARTMENTS = (
    (Department.Kind.TECHNICAL_SUPPORT, "技术支持部", "受理与跟进客户服务请求，远程诊断"),
    (Department.Kind.CUSTOMER_RELATIONSHIP, "客户关系部", "回访、投诉处理与客户关怀"),
    (Department.Kind.QUALITY_CONTROL, "质量控制部", "质量问题分析、返修率与根因跟踪"),
    (Department.Kind.WORKSHOP, "维修车间", "车间维修、上门服务与配件更换"),
)
LEAVE_REASONS = ("年假", "病假", "事假", "婚假", "调休")


@dataclass
class StoreInfo:
    id: int
    spec: StoreSpec
    domain: str  # vehicle | appliance
    address: str
    hours: dict[int, tuple[tuple[time, time], ...]]
    manager: int = 0
    department_managers: list[int] = field(default_factory=list)
    specialists: list[int] = field(default_factory=list)
    technicians: list[int] = field(default_factory=list)
    skilled: dict[int, list[int]] = field(default_factory=dict)  # fault category id → specialists


@dataclass
class OrgData:
    org_id: int
    stores: list[StoreInfo]
    faults: dict[str, int]  # code → FaultCategory id
    executives: list[int]
    leaves: dict[int, list[tuple[date, date]]]  # user id → (first day, last day)
    password_hash: str
    usernames: dict[int, str]


def _fault_codes(domain: str) -> list[str]:
    codes = [leaf.code for leaf in REPAIR_LEAVES if leaf.domain == domain]
    codes += [code for (dom, _kind), (code, _s, _d) in KIND_TEXTS.items() if dom == domain and code]
    return list(dict.fromkeys(codes))


def seed_org(s: Seed) -> OrgData:
    w, rng, names = s.writer, s.rng, s.names
    founded = s.founded
    stamp = {"created_at": founded, "updated_at": founded}
    org_id = w.add(Organisation, {"code": ORG_CODE, "name": "远航售后服务集团", **stamp})

    faults: dict[str, int] = {}
    for code, parent, name, name_en in FAULTS:
        faults[code] = w.add(
            FaultCategory,
            {"code": code, "parent_id": faults.get(parent), "name": name, "name_en": name_en, **stamp},
        )

    stores: list[StoreInfo] = []
    for spec in STORES[: s.size.stores]:
        dealership = spec.kind == Store.Kind.DEALERSHIP
        hours = {day: (MORNING, AFTERNOON) for day in range(6 if dealership else 5)}
        address = f"{spec.city}市{spec.district}{spec.street}{rng.randint(18, 2888)}号"
        store_id = w.add(
            Store,
            {
                "organisation_id": org_id,
                "code": spec.code,
                "name": spec.name,
                "kind": spec.kind,
                "timezone": "Asia/Shanghai",
                "region": spec.region,
                "city": spec.city,
                "address": address,
                "phone": names.landline(spec.area_code),
                **stamp,
            },
        )
        for weekday, periods in hours.items():
            for starts, ends in periods:
                w.add(
                    WorkingPeriod,
                    {"store_id": store_id, "weekday": weekday, "starts": starts, "ends": ends, **stamp},
                )
        domain = "vehicle" if dealership else "appliance"
        stores.append(StoreInfo(store_id, spec, domain, address, hours))

    password_hash = make_password(PASSWORD, salt=_salt(rng))
    staff = _Staff(s, password_hash)
    staff.add(Role.ADMIN, superuser=True)
    executives = [staff.add(Role.EXECUTIVE) for _ in range(2)]
    per_store = s.size.tickets_per_year / len(stores) / 365
    n_specialists = max(4, math.ceil(per_store / 9))
    for store in stores:
        departments = {}
        for kind, name, duties in DEPARTMENTS:
            departments[kind] = w.add(
                Department, {"store_id": store.id, "kind": kind, "name": name, "duties": duties, **stamp}
            )
        tech = departments[Department.Kind.TECHNICAL_SUPPORT]
        teams = [
            w.add(Team, {"department_id": tech, "name": f"技术支持{label}组", **stamp})
            for label in ("一", "二")[: 1 + (n_specialists >= 6)]
        ]
        store.manager = staff.add(Role.STORE_MANAGER, stores=[store.id])
        for kind, _name, _duties in DEPARTMENTS:
            store.department_managers.append(
                staff.add(Role.DEPARTMENT_MANAGER, stores=[store.id], department=departments[kind])
            )
        codes = _fault_codes(store.domain)
        deal = [faults[code] for code in codes]
        rng.shuffle(deal)
        skills: list[set[int]] = [set() for _ in range(n_specialists)]
        # Every category gets at least two specialists, then everyone a few more.
        for i, fault_id in enumerate(deal * 2):
            skills[i % n_specialists].add(fault_id)
        for person in skills:
            person.update(rng.sample(deal, min(len(deal), rng.randint(1, 3))))
        for i, person in enumerate(skills):
            user = staff.add(
                Role.SPECIALIST, stores=[store.id], department=tech, team=teams[i % len(teams)], skills=person
            )
            store.specialists.append(user)
            for fault_id in sorted(person):
                store.skilled.setdefault(fault_id, []).append(user)
        workshop = departments[Department.Kind.WORKSHOP]
        for _ in range(max(2, n_specialists // 2)):
            store.technicians.append(
                staff.add(
                    Role.TECHNICIAN, stores=[store.id], department=workshop, skills=set(rng.sample(deal, 3))
                )
            )
        staff.add(Role.QUALITY, stores=[store.id], department=departments[Department.Kind.QUALITY_CONTROL])
    for _ in range(1 + (len(stores) > 6)):
        staff.add(Role.HR, stores=[store.id for store in stores])

    leaves = _seed_leaves(s, stores)
    return OrgData(org_id, stores, faults, executives, leaves, password_hash, staff.usernames)


def _salt(rng) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(22))


class _Staff:
    """Users named `<role><n>` (`specialist1`, …; the administrator is `admin`)."""

    def __init__(self, s: Seed, password_hash: str):
        self.s, self.password_hash = s, password_hash
        self.counts: dict[str, int] = {}
        self.usernames: dict[int, str] = {}

    def add(
        self,
        role: str,
        *,
        superuser: bool = False,
        stores: list[int] = (),
        department: int | None = None,
        team: int | None = None,
        skills: set[int] = frozenset(),
    ) -> int:
        s, w = self.s, self.s.writer
        self.counts[role] = self.counts.get(role, 0) + 1
        username = s.username("admin" if role == Role.ADMIN else f"{role}{self.counts[role]}")
        family, given = s.names.person()
        joined = s.founded + timedelta(days=s.rng.randint(0, max(1, (s.start - s.founded).days - 30)))
        user_id = w.add(
            User,
            {
                "password": self.password_hash,
                "username": username,
                "first_name": given,
                "last_name": family,
                "email": f"{username}{STAFF_EMAIL_DOMAIN}",
                "is_superuser": superuser,
                "is_staff": superuser,
                "is_active": True,
                "date_joined": joined,
                "role": role,
                "display_name": f"{family}{given}",
                "phone": s.names.mobile(),
                "department_id": department,
                "team_id": team,
                "on_duty": True,
            },
        )
        for store_id in stores:
            w.add(User.stores.through, {"user_id": user_id, "store_id": store_id})
        for fault_id in sorted(skills):
            w.add(User.skills.through, {"user_id": user_id, "faultcategory_id": fault_id})
        self.usernames[user_id] = username
        return user_id


def _seed_leaves(s: Seed, stores: list[StoreInfo]) -> dict[int, list[tuple[date, date]]]:
    rng = s.rng
    leaves: dict[int, list[tuple[date, date]]] = {}
    first_day = s.first_day
    span = max(1, (s.today - first_day).days)
    for store in stores:
        people = store.specialists
        for n in range(max(1, len(people) // 5)):
            user = rng.choice(people)
            # One leave per store runs through `today`, so the queues show someone away.
            starts = (
                s.today - timedelta(days=rng.randint(0, 2))
                if n == 0
                else first_day + timedelta(days=rng.randrange(span))
            )
            ends = starts + timedelta(days=rng.randint(1, 6))
            if n == 0:
                ends = max(ends, s.today)
            if any(a <= ends and starts <= b for a, b in leaves.get(user, [])):
                continue
            leaves.setdefault(user, []).append((starts, ends))
            created = min(s.local_midnight(starts) - timedelta(days=7), s.as_of - timedelta(hours=2))
            s.writer.add(
                Leave,
                {
                    "user_id": user,
                    "starts_on": starts,
                    "ends_on": ends,
                    "reason": rng.choice(LEAVE_REASONS),
                    "created_at": created,
                    "updated_at": created,
                },
            )
    return leaves
