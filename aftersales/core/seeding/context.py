"""What every part of the seed shares: the size, the random sources, the moment "now" and the writer."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from faker import Faker

from aftersales.core.seeding.db import Writer
from aftersales.core.seeding.names import Names

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORG_CODE = "yuanhang"
PASSWORD = "demo1234"  # noqa: S105 - the published password of the demo accounts
STAFF_EMAIL_DOMAIN = "@staff.example.com"  # marks the demo staff accounts (see reset.py)


@dataclass(frozen=True)
class Size:
    name: str
    stores: int
    customers: int
    tickets_per_year: int
    portal_users_per_store: int = 3


SIZES: dict[str, Size] = {
    "small": Size("small", stores=3, customers=300, tickets_per_year=2_000),
    "medium": Size("medium", stores=6, customers=3_000, tickets_per_year=20_000),
    "large": Size("large", stores=12, customers=100_000, tickets_per_year=1_000_000),
}


@dataclass
class Seed:
    size: Size
    seed: int
    today: date
    months: int
    batch_size: int
    progress: Callable[[str], None]
    fork: bool = True  # generate and write in two processes (see pipeline.py)
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)
    names: Names = field(init=False)
    writer: Writer = field(default_factory=Writer)
    taken_usernames: set[str] = field(default_factory=set)  # accounts that existed before the seed

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(self.seed)
        self.names = Names(self.rng, self.fake)

    # Generated history ends at midnight at the start of `today` (Shanghai), so nothing lies in the
    # future even when the seed runs just after midnight; the year of tickets ends there.
    @property
    def as_of(self) -> datetime:
        return datetime.combine(self.today, time(0), tzinfo=SHANGHAI).astimezone(UTC)

    @property
    def first_day(self) -> date:
        return self.today - relativedelta(months=self.months)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=SHANGHAI).astimezone(UTC)

    @property
    def founded(self) -> datetime:
        """When the organisation, its stores and catalogue were set up: before the oldest asset."""
        return datetime.combine(self.today - relativedelta(years=5), time(9), tzinfo=SHANGHAI).astimezone(UTC)

    @property
    def ticket_count(self) -> int:
        return max(1, round(self.size.tickets_per_year * self.months / 12))

    def username(self, wanted: str) -> str:
        """`wanted`, or `demo_<wanted>` when someone already has that name (e.g. their own `admin`)."""
        return wanted if wanted not in self.taken_usernames else f"demo_{wanted}"

    def local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)

    def at(self, day: date, hours: float) -> datetime:
        return self.local_midnight(day) + timedelta(hours=hours)
