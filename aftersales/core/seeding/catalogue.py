"""Product categories and models, warranty policies, and the SLA policies (with the same "most specific
wins" matching as `service.services.sla.sla_policy_for`, done in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aftersales.accounts.models import Store
from aftersales.core.seeding.context import Seed
from aftersales.core.seeding.faults import REPAIR_LEAVES, Leaf
from aftersales.core.seeding.org import OrgData
from aftersales.customers.models import ProductCategory, ProductModel, WarrantyPolicy
from aftersales.service.models import SlaPolicy

CATEGORIES = (
    ("passenger-cars", None, "乘用车"),
    ("suv", "passenger-cars", "SUV"),
    ("sedan", "passenger-cars", "轿车"),
    ("home-appliances", None, "家电"),
    ("refrigerators", "home-appliances", "冰箱"),
    ("washing-machines", "home-appliances", "洗衣机"),
    ("air-conditioners", "home-appliances", "空调"),
)
POLICIES = (
    # code, name, months, parts %, labour %, start basis, exclusions
    ("vehicle-36m", "整车质保 3 年/10 万公里", 36, 100, 100, "delivery",
     "易损件（刹车片、雨刮、轮胎、灯泡）、事故损伤、未按期保养导致的故障不在保修范围内。"),
    ("vehicle-extended-60m", "整车延保 5 年/15 万公里", 60, 100, 80, "delivery",
     "仅限动力总成与电气系统；需在授权 4S 店按期保养。"),
    ("appliance-12m", "家电整机保修 1 年", 12, 100, 100, "purchase",
     "人为损坏、自行拆修、非家用场景使用不在保修范围内。"),
    ("extended-24m", "延长保修 2 年", 24, 100, 50, "purchase", "延保期内人工费客户承担 50%。"),
)  # fmt: skip
MODELS = (
    # code, category, name, domain, standard policy, VDS (vehicles) / serial prefix (appliances), family
    ("yh-x5", "suv", "远航 X5 SUV", "vehicle", "vehicle-36m", "X5A4B", "car"),
    ("yh-x7", "suv", "远航 X7 七座 SUV", "vehicle", "vehicle-36m", "X7C6B", "car"),
    ("yh-e6", "suv", "远航 E6 纯电 SUV", "vehicle", "vehicle-36m", "E6E2V", "car"),
    ("yh-s3", "sedan", "远航 S3 轿车", "vehicle", "vehicle-36m", "S3A4C", "car"),
    ("yh-s7", "sedan", "远航 S7 轿车", "vehicle", "vehicle-36m", "S7D4C", "car"),
    ("hs-bcd520", "refrigerators", "海尚 BCD-520 对开门冰箱", "appliance", "appliance-12m", "HSF", "fridge"),
    ("hs-bcd310", "refrigerators", "海尚 BCD-310 三门冰箱", "appliance", "appliance-12m", "HSF", "fridge"),
    (
        "hs-xqg100",
        "washing-machines",
        "海尚 XQG100 滚筒洗衣机",
        "appliance",
        "appliance-12m",
        "HSW",
        "washer",
    ),
    ("hs-xqb80", "washing-machines", "海尚 XQB80 波轮洗衣机", "appliance", "appliance-12m", "HSW", "washer"),
    (
        "hs-kfr35",
        "air-conditioners",
        "海尚 KFR-35GW 壁挂式空调",
        "appliance",
        "appliance-12m",
        "HSA",
        "aircon",
    ),
    ("hs-kfr72", "air-conditioners", "海尚 KFR-72LW 柜式空调", "appliance", "appliance-12m", "HSA", "aircon"),
)
# Which repair faults an appliance family can have (vehicles: every vehicle fault, see Leaf.only).
FAMILY_FAULTS = {
    "fridge": ("fridge-cooling", "fridge-noise"),
    "washer": ("washer-drain", "washer-spin"),
    "aircon": ("home-ac-cooling", "home-ac-leak"),
}
EXTENDED = {"vehicle": ("vehicle-extended-60m", 0.15), "appliance": ("extended-24m", 0.25)}
RESOLUTION_BY_PRIORITY = {"urgent": 8 * 60, "high": 24 * 60, "normal": 72 * 60, "low": 120 * 60}
VIP_RESOLUTION = {"urgent": 6 * 60, "high": 16 * 60, "normal": 48 * 60, "low": 72 * 60}
PRIORITY_NAMES = {"urgent": "紧急", "high": "高", "normal": "普通", "low": "低"}


@dataclass(frozen=True)
class Policy:
    id: int
    months: int
    parts: int
    labour: int
    basis: str


@dataclass
class Model:
    id: int
    code: str
    name: str
    domain: str
    family: str
    code_part: str  # VDS or serial prefix
    policy: Policy
    leaves: list[Leaf] = field(default_factory=list)


@dataclass(frozen=True)
class Sla:
    id: int
    store_id: int | None
    tier: str
    kind: str
    priority: str
    response_minutes: int
    resolution_minutes: int
    business_hours: bool
    warning_percent: int = 75
    rank: int = 0

    @property
    def specificity(self) -> int:
        return (
            8 * (self.store_id is not None) + 4 * bool(self.tier) + 2 * bool(self.kind) + bool(self.priority)
        )


@dataclass
class Catalogue:
    models: list[Model]
    policies: dict[str, Policy]
    slas: list[Sla]
    _matches: dict[tuple, Sla | None] = field(default_factory=dict)

    def models_of(self, domain: str) -> list[Model]:
        return [model for model in self.models if model.domain == domain]

    def sla_for(self, store_id: int, tier: str, kind: str, priority: str) -> Sla | None:
        key = (store_id, tier, kind, priority)
        if key not in self._matches:
            matching = [
                p
                for p in self.slas
                if p.store_id in (None, store_id)
                and p.tier in ("", tier)
                and p.kind in ("", kind)
                and p.priority in ("", priority)
            ]
            matching.sort(key=lambda p: (-p.specificity, -p.rank, p.id))
            self._matches[key] = matching[0] if matching else None
        return self._matches[key]


def seed_catalogue(s: Seed, org: OrgData) -> Catalogue:
    w = s.writer
    stamp = {"created_at": s.founded, "updated_at": s.founded}
    categories: dict[str, int] = {}
    for code, parent, name in CATEGORIES:
        categories[code] = w.add(
            ProductCategory, {"code": code, "parent_id": categories.get(parent), "name": name, **stamp}
        )
    policies: dict[str, Policy] = {}
    for code, name, months, parts, labour, basis, exclusions in POLICIES:
        policy_id = w.add(
            WarrantyPolicy,
            {
                "code": code,
                "name": name,
                "coverage_months": months,
                "parts_percent": parts,
                "labour_percent": labour,
                "start_basis": basis,
                "exclusions": exclusions,
                **stamp,
            },
        )
        policies[code] = Policy(policy_id, months, parts, labour, basis)
    models: list[Model] = []
    for code, category, name, domain, policy_code, code_part, family in MODELS:
        vehicle = domain == "vehicle"
        model_id = w.add(
            ProductModel,
            {
                "category_id": categories[category],
                "code": code,
                "name": name,
                "identifier_kind": ProductModel.IdentifierKind.VIN
                if vehicle
                else ProductModel.IdentifierKind.SERIAL,
                "serial_pattern": "" if vehicle else code_part + r"\d{11}",
                "warranty_policy_id": policies[policy_code].id,
                **stamp,
            },
        )
        if vehicle:
            leaves = [
                leaf
                for leaf in REPAIR_LEAVES
                if leaf.domain == "vehicle" and (not leaf.only or code in leaf.only)
            ]
        else:
            leaves = [leaf for leaf in REPAIR_LEAVES if leaf.code in FAMILY_FAULTS[family]]
        models.append(Model(model_id, code, name, domain, family, code_part, policies[policy_code], leaves))

    slas: list[Sla] = []

    def sla(name: str, **values) -> None:
        row = {
            "name": name,
            "store_id": None,
            "kind": "",
            "priority": "",
            "customer_tier": "",
            "response_minutes": 24 * 60,
            "business_hours": False,
            "warning_percent": 75,
            "rank": 0,
            "active": True,
            **values,
            **stamp,
        }
        policy_id = w.add(SlaPolicy, row)
        slas.append(
            Sla(
                policy_id,
                row["store_id"],
                row["customer_tier"],
                row["kind"],
                row["priority"],
                row["response_minutes"],
                row["resolution_minutes"],
                row["business_hours"],
                row["warning_percent"],
                row["rank"],
            )
        )

    sla("标准 SLA（默认）", resolution_minutes=RESOLUTION_BY_PRIORITY["normal"], rank=-1)
    for priority, minutes in RESOLUTION_BY_PRIORITY.items():
        sla(f"标准 SLA · {PRIORITY_NAMES[priority]}", priority=priority, resolution_minutes=minutes)
    for priority, minutes in VIP_RESOLUTION.items():
        sla(
            f"VIP 客户 SLA · {PRIORITY_NAMES[priority]}",
            customer_tier="vip",
            priority=priority,
            response_minutes=4 * 60,
            resolution_minutes=minutes,
        )
    for store in org.stores:
        if store.spec.kind == Store.Kind.SERVICE_CENTRE:
            # Working time: 4 working hours to respond, 3 working days (of 8 h) to resolve.
            sla(
                f"{store.spec.name} 工作时间 SLA",
                store_id=store.id,
                response_minutes=4 * 60,
                resolution_minutes=3 * 8 * 60,
                business_hours=True,
            )
    return Catalogue(models, policies, slas)
