"""The business data of the demo: `--months` of sales deals (with their customers, some buying twice),
inventory, costs, attendance, employee surveys, finance, market, production, quality, suppliers,
training, documents, improvement projects, certifications, service audits, quality objectives and
service opportunities for the seeded stores, imported through the facts import (one
`ImportBatch` per dataset, source "demo seed") so it is validated like any file.

Deterministic: a random stream of its own (from `--seed`), so the tickets' streams are untouched. Small
at every size (about 10,000 deals a year at `large`), so no bulk path is needed.
"""

from __future__ import annotations

import calendar
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from aftersales.core.seeding.context import Seed
from aftersales.core.seeding.org import OrgData

VEHICLES = (
    ("远航 EV S1", 159_800),
    ("远航 EV S1 长续航版", 189_800),
    ("远航 SUV X5", 239_800),
    ("远航 轿车 C3", 119_800),
)
SALESPEOPLE = ("王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆")
SUPPLIERS = ("宁德电池", "博世汽车部件", "法雷奥照明", "延锋内饰", "华域视觉", "敏实集团")
PRODUCTS = ("EV S1 电池包", "SUV X5 前保险杠")
LINES = ("总装一线", "总装二线")
CENT = Decimal("0.01")


def _money(value: float) -> str:
    return str(Decimal(str(value)).quantize(CENT))


def _months(s: Seed) -> list[date]:
    """The months of the demo: from the first whole month of the seeded history up to today's month
    (its days before today)."""
    month = s.first_day.replace(day=1)
    if month < s.first_day:
        month += relativedelta(months=1)
    months = []
    while month < s.today:
        months.append(month)
        month += relativedelta(months=1)
    return months


def _days(month: date, s: Seed) -> list[date]:
    """The days of `month` before today."""
    days = calendar.monthrange(month.year, month.month)[1]
    return [d for d in (month + timedelta(n) for n in range(days)) if s.first_day <= d < s.today]


def _working_days(month: date) -> int:
    days = calendar.monthrange(month.year, month.month)[1]
    return sum(1 for n in range(days) if (month + timedelta(n)).weekday() < 5)


def build(s: Seed, org: OrgData, phones: dict[str, list[str]] | None = None) -> dict[str, list[dict]]:
    """The rows of every dataset; `phones`: the seeded customers' phone numbers per store code."""
    rng = random.Random(s.seed * 7919 + 4)
    months = _months(s)
    rows: dict[str, list[dict]] = defaultdict(list)
    dealers = [store for store in org.stores if store.domain == "vehicle"]
    vehicle_cost: dict[tuple[str, date], list[Decimal]] = defaultdict(list)
    revenue: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for store in org.stores:
        code = store.spec.code
        staff = [store.manager, *store.specialists, *store.technicians]
        for month in months:
            days = _days(month, s)
            if not days:
                continue
            if store in dealers:
                for n in range(rng.randint(35, 75)):
                    model, list_price = rng.choice(VEHICLES)
                    used = rng.random() < 0.2
                    price = list_price * (rng.uniform(0.45, 0.7) if used else rng.uniform(0.9, 1.0))
                    cost = price * rng.uniform(0.88, 0.96)
                    vehicle_cost[(code, month)].append(Decimal(_money(cost)))
                    revenue[(code, month)] += Decimal(_money(price))
                    rows["sales_deals"].append(
                        {
                            "deal_number": f"{code}-{month:%Y%m}-{n + 1:04d}",
                            "date": rng.choice(days),
                            "store": code,
                            "salesperson": rng.choice(SALESPEOPLE),
                            "vehicle_model": model,
                            "vehicle_kind": "used" if used else "new",
                            "channel": "fleet" if rng.random() < 0.05 else "retail",
                            "price": _money(price),
                            "cost": _money(cost),
                            "with_finance": rng.random() < 0.62,
                            "with_insurance": rng.random() < 0.85,
                            "with_accessories": rng.random() < 0.45,
                            "with_extended_warranty": rng.random() < 0.25,
                            "with_trade_in": not used and rng.random() < 0.32,
                        }
                    )
                units = rng.randint(40, 95)
                rows["inventory"].append(
                    {
                        "date": days[-1],
                        "store": code,
                        "category": "vehicles",
                        "units": units,
                        "value": _money(units * rng.uniform(140_000, 175_000)),
                    }
                )
                sold = vehicle_cost[(code, month)]
                rows["cogs"].append(
                    {
                        "month": month,
                        "store": code,
                        "category": "vehicles",
                        "units_sold": len(sold),
                        "amount": str(sum(sold, Decimal(0))),
                    }
                )
            parts_units = rng.randint(2_000, 6_000)
            rows["inventory"].append(
                {
                    "date": days[-1],
                    "store": code,
                    "category": "parts",
                    "units": parts_units,
                    "value": _money(parts_units * rng.uniform(120, 260)),
                }
            )
            parts_cost = rng.uniform(150_000, 450_000)
            rows["cogs"].append(
                {
                    "month": month,
                    "store": code,
                    "category": "parts",
                    "units_sold": rng.randint(1_500, 5_000),
                    "amount": _money(parts_cost),
                }
            )
            revenue[(code, month)] += Decimal(_money(parts_cost * rng.uniform(1.25, 1.45)))
            scheduled = _working_days(month)
            for person in staff:
                rows["attendance"].append(
                    {
                        "person": org.usernames[person],
                        "month": month,
                        "store": code,
                        "scheduled_days": scheduled,
                        "absent_sick": rng.choice((0, 0, 0, 0, 0.5, 1, 2)),
                        "absent_personal": rng.choice((0, 0, 0, 0, 0, 0.5, 1)),
                        "absent_unexcused": 1 if rng.random() < 0.02 else 0,
                        "absent_annual_leave": rng.choice((0, 0, 0, 1, 2, 3)),
                    }
                )
            if month.month % 3 == 2:  # quarterly: February, May, August, November
                respondents = max(1, round(len(staff) * rng.uniform(0.7, 0.95)))
                promoters = round(respondents * rng.uniform(0.3, 0.55))
                detractors = round((respondents - promoters) * rng.uniform(0.15, 0.4))
                rows["employee_survey"].append(
                    {
                        "month": month,
                        "store": code,
                        "respondents": respondents,
                        "esat_score": round(rng.uniform(68, 90), 1),
                        "enps_promoters": promoters,
                        "enps_passives": respondents - promoters - detractors,
                        "enps_detractors": detractors,
                    }
                )
            items = 40
            rows["service_audits"].append(
                {
                    "store": code,
                    "date": rng.choice(days),
                    "items_checked": items,
                    "items_compliant": items - rng.choice((0, 1, 1, 2, 3, 4)),
                    "auditor": "质量部 刘洋",
                }
            )
    _finance(rng, rows, org, months, revenue)
    _market(rng, rows, org, months)
    _quality(rng, rows, s, months)
    _training(rng, rows, org, months, s)
    _records(rng, rows, s)
    # The later additions draw from a stream of their own: the rows above stay as they were.
    more = random.Random(s.seed * 7919 + 5)
    _deal_customers(more, rows, phones or {})
    _objectives(more, rows, org, months, s)
    _opportunities(more, rows, org, months, s, phones or {})
    return rows


def _deal_customers(rng, rows, phones: dict[str, list[str]]) -> None:
    """Most deals name a customer of the store; about one in eight goes to a customer who already
    bought from the store that month (a second car for the family, a fleet top-up)."""
    bought: dict[tuple[str, date], list[str]] = defaultdict(list)
    for deal in rows["sales_deals"]:
        pool = phones.get(deal["store"])
        if not pool or rng.random() < 0.1:
            continue
        earlier = bought[(deal["store"], deal["date"].replace(day=1))]
        if earlier and rng.random() < 0.05:
            phone = rng.choice(earlier)
        else:  # somebody who has not bought this month, while there is such a customer
            fresh = [candidate for candidate in pool if candidate not in earlier] or pool
            phone = rng.choice(fresh)
        earlier.append(phone)
        deal["customer"] = phone


OBJECTIVES = (
    ("QO-FPY", "一次交验合格率(%)", "at_least", 98, 96.5, 99.5),
    ("QO-NCR", "产品不合格率(%)", "at_most", 2, 0.8, 2.8),
    ("QO-OTD", "供应商准时交付率(%)", "at_least", 95, 92, 99),
)


def _objectives(rng, rows, org: OrgData, months: list[date], s: Seed) -> None:
    """Company-wide quality objectives every month and each store's service compliance objective; the
    running month's are not assessed yet."""
    for month in months:
        assessed = month + relativedelta(months=1) <= s.today
        for code, name, direction, target, low, high in OBJECTIVES:
            rows["quality_objectives"].append(
                {
                    "month": month,
                    "store": "",
                    "code": code,
                    "name": name,
                    "target_value": target,
                    "actual_value": round(rng.uniform(low, high), 2) if assessed else None,
                    "direction": direction,
                }
            )
        for store in org.stores:
            rows["quality_objectives"].append(
                {
                    "month": month,
                    "store": store.spec.code,
                    "code": "QO-SVC",
                    "name": "服务规范符合率(%)",
                    "target_value": 92,
                    "actual_value": round(rng.uniform(88, 99), 1) if assessed else None,
                    "direction": "at_least",
                }
            )


def _opportunities(rng, rows, org: OrgData, months: list[date], s: Seed, phones) -> None:
    """Sales opportunities raised in service: a few a month per store, about a third converted, most of
    those within 90 days."""
    kinds = ("vehicle", "upgrade", "accessory", "extended_warranty")
    for store in org.stores:
        code = store.spec.code
        for month in months:
            days = _days(month, s)
            for n in range(rng.randint(4, 12) if days else 0):
                created = rng.choice(days)
                converted = created + timedelta(days=rng.randint(0, 130)) if rng.random() < 0.35 else None
                pool = phones.get(code)
                rows["service_opportunities"].append(
                    {
                        "code": f"OP-{code}-{month:%Y%m}-{n + 1:03d}",
                        "store": code,
                        "customer": rng.choice(pool) if pool else "",
                        "created_on": created,
                        "kind": rng.choice(kinds),
                        "converted_on": converted if converted is not None and converted < s.today else None,
                    }
                )


def _finance(rng, rows, org: OrgData, months: list[date], revenue) -> None:
    for month in months:
        totals = [Decimal(0)] * 5
        for store in org.stores:
            income = revenue.get((store.spec.code, month), Decimal(0))
            if not income:
                continue
            figures = [
                income,
                income * Decimal(str(round(rng.uniform(0.84, 0.91), 4))),
                income * Decimal(str(round(rng.uniform(-0.01, 0.06), 4))),
            ]
            figures.append(figures[2] * Decimal("0.75"))
            figures.append(figures[2] * Decimal(str(round(rng.uniform(0.5, 1.4), 4))))
            figures = [value.quantize(CENT) for value in figures]
            totals = [a + b for a, b in zip(totals, figures, strict=True)]
            rows["finance"].append(_statement(month, store.spec.code, figures))
        rows["finance"].append(_statement(month, "", totals))


def _statement(month: date, store: str, figures: list[Decimal]) -> dict:
    names = ("revenue", "cogs", "operating_profit", "net_income", "operating_cash_flow")
    return {
        "month": month,
        "store": store,
        **{name: str(value) for name, value in zip(names, figures, strict=True)},
    }


def _market(rng, rows, org: OrgData, months: list[date]) -> None:
    regions = sorted({store.spec.region for store in org.stores})
    own = defaultdict(int)
    for deal in rows["sales_deals"]:
        region = next(store.spec.region for store in org.stores if store.spec.code == deal["store"])
        own[(region, deal["date"].replace(day=1))] += 1
    for region in regions:
        for month in months:
            units = rng.randint(15_000, 26_000)
            mine = own.get((region, month), 0)
            rows["market"].append(
                {
                    "region": region,
                    "month": month,
                    "market_units": units,
                    "market_value": _money(units * rng.uniform(150_000, 190_000)),
                    "own_units": mine,
                    "own_value": _money(mine * rng.uniform(150_000, 180_000)),
                }
            )


def _quality(rng, rows, s: Seed, months: list[date]) -> None:
    day = s.first_day
    while day < s.today:
        if day.weekday() < 5:
            for line in LINES:
                planned = 960
                run = planned - rng.randint(30, 140)
                produced = int(run * 1.5 * rng.uniform(0.82, 0.97))
                rows["production"].append(
                    {
                        "line": line,
                        "date": day,
                        "planned_minutes": planned,
                        "run_minutes": run,
                        "ideal_rate": "1.5",
                        "produced": produced,
                        "good": produced - rng.randint(5, 40),
                    }
                )
        if day.weekday() == 4:
            for product in PRODUCTS:
                for stage in ("incoming", "in_process", "final"):
                    inspected = rng.randint(300, 900)
                    bad = rng.randint(0, 25)
                    scrapped = rng.randint(0, bad // 3)
                    rows["quality_inspections"].append(
                        {
                            "date": day,
                            "product": product,
                            "stage": stage,
                            "inspected": inspected,
                            "nonconforming": bad,
                            "scrapped": scrapped,
                            "reworked": bad - scrapped,
                        }
                    )
            for supplier in SUPPLIERS:
                lines = rng.randint(8, 30)
                units = rng.randint(1_000, 8_000)
                rows["supplier_deliveries"].append(
                    {
                        "supplier": supplier,
                        "date": day,
                        "lines": lines,
                        "lines_on_time": lines - rng.choice((0, 0, 0, 1, 1, 2)),
                        "units": units,
                        "units_defective": rng.randint(0, 4),
                    }
                )
        day += timedelta(days=1)
    for month in months:
        for category, low, high in (
            ("prevention", 20_000, 40_000),
            ("appraisal", 30_000, 60_000),
            ("internal_failure", 25_000, 90_000),
            ("external_failure", 15_000, 80_000),
        ):
            rows["quality_costs"].append(
                {"month": month, "category": category, "amount": _money(rng.uniform(low, high))}
            )
        if month.month % 3 == 1:
            for supplier in SUPPLIERS[month.month % 2 :: 2]:
                score = round(rng.uniform(62, 96))
                rows["supplier_audits"].append(
                    {
                        "supplier": supplier,
                        "date": month + timedelta(days=9),
                        "score": score,
                        "passed": score >= 70,
                    }
                )


def _training(rng, rows, org: OrgData, months: list[date], s: Seed) -> None:
    for month in months:
        held = month + timedelta(days=11)
        if held >= s.today:
            continue
        code = f"TR-{month:%Y%m}"
        rows["training_sessions"].append(
            {
                "code": code,
                "title": rng.choice(("新能源高压安全", "服务礼仪与沟通", "故障诊断进阶", "质量体系内审")),
                "date": held,
                "store": "",
                "pass_mark": 80,
            }
        )
        for store in org.stores:
            for person in rng.sample(
                store.technicians or store.specialists, min(3, len(store.technicians or store.specialists))
            ):
                attended = rng.random() < 0.9
                score = round(rng.uniform(55, 99)) if attended else None
                rows["training_results"].append(
                    {
                        "session": code,
                        "person": org.usernames[person],
                        "attended": attended,
                        "score": score,
                        "passed": bool(attended and score >= 80),
                    }
                )


def _records(rng, rows, s: Seed) -> None:
    for n in range(1, 31):
        due = s.first_day + timedelta(days=12 * n)
        revised = due - timedelta(days=rng.randint(-20, 40)) if rng.random() < 0.9 else None
        rows["documents"].append(
            {
                "code": f"QP-{n:03d}",
                "title": f"售后服务控制程序 第{n}号",
                "review_due": due,
                "updated_on": revised if revised is None or revised < s.today else None,
            }
        )
    for n in range(1, 11):
        opened = s.first_day + timedelta(days=30 * n)
        closed = opened + timedelta(days=rng.randint(45, 120))
        baseline = round(rng.uniform(3, 8), 2)
        done = closed < s.today
        rows["improvement_projects"].append(
            {
                "code": f"IP-{opened:%Y}-{n:03d}",
                "title": rng.choice(("降低返修率", "缩短首次响应时间", "减少来料不良")),
                "opened_on": opened,
                "closed_on": closed if done else None,
                "metric": "返修率(%)",
                "baseline_value": baseline,
                "result_value": round(baseline * rng.uniform(0.5, 0.9), 2) if done else None,
                "savings": _money(rng.uniform(20_000, 200_000)) if done else None,
            }
        )
    start = s.first_day - relativedelta(years=1)
    for code, name, kind, granted, years in (
        ("ISO9001", "ISO 9001 质量管理体系认证", "certification", start, 3),
        ("GBT27922-5", "GB/T 27922 五星级售后服务认证", "certification", start, 3),
        ("AWARD-SVC", "年度优秀售后服务奖", "award", start, 1),
        # granted during the demo's history, so that "awards received" has a period with one
        ("AWARD-CSI", "厂商客户满意度金奖", "award", s.first_day + timedelta(days=45), 1),
    ):
        rows["certifications"].append(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "valid_from": granted,
                "valid_until": granted + relativedelta(years=years) - timedelta(days=1),
            }
        )


# Sessions before their results; the rest in the registry's order.
ORDER = (
    "sales_deals",
    "inventory",
    "cogs",
    "attendance",
    "employee_survey",
    "finance",
    "market",
    "production",
    "quality_inspections",
    "quality_costs",
    "supplier_audits",
    "supplier_deliveries",
    "training_sessions",
    "training_results",
    "documents",
    "improvement_projects",
    "certifications",
    "service_audits",
    "quality_objectives",
    "service_opportunities",
)


def seed_facts(s: Seed, org: OrgData) -> dict[str, int]:
    from aftersales.customers.models import Customer
    from aftersales.facts.datasets import DATASETS
    from aftersales.facts.models import ImportBatch
    from aftersales.facts.services import facts_import_records

    phones: dict[str, list[str]] = defaultdict(list)
    for store, phone in (
        Customer.objects.exclude(phone="").order_by("pk").values_list("home_store__code", "phone")
    ):
        phones[store].append(phone)
    rows = build(s, org, phones)
    counts = {}
    for code in ORDER:
        batch = facts_import_records(
            dataset=code, records=rows[code], by=None, source=ImportBatch.Source.SEED
        )
        if batch.status != ImportBatch.Status.APPLIED:
            raise RuntimeError(f"seeding {code} failed: {batch.errors[:5]}")
        counts[DATASETS[code].model._meta.label] = batch.rows_created
    return counts
