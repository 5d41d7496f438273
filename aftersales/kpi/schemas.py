from datetime import date

from ninja import Schema


class KpiOut(Schema):
    code: str
    name_zh: str
    name_en: str
    family: str
    kind: str  # ratio, single or expression
    reference: str
    formula: str
    unit: str
    direction: str
    variant: str
    target: float | None
    warning: float | None
    min_n: int | None


class CellOut(Schema):
    kpi: str
    period: date
    key: str | None  # the breakdown key; null for all keys together
    value: float | None  # null: no value (nothing to divide by); ratios as fractions
    numerator: float | None
    denominator: float | None
    n: int


class ValuesOut(Schema):
    start: date
    end: date  # exclusive
    grain: str
    breakdown: str | None
    periods: list[date]
    keys: list[str]
    values: list[CellOut]
