"""The registry of importable datasets: for each, its table, natural key, time column, who may import it,
and a declarative spec of its columns (headers in Chinese and English, type, required, bounds).

Imports (file, command, API), the templates, `docs/imports.md` and the KPI engine all read this one
registry: `DATASETS[code]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role
from aftersales.facts import models as facts

TEXT, INT, DECIMAL, DATE, MONTH, BOOL, CHOICE = "text", "int", "decimal", "date", "month", "bool", "choice"
STORE, PERSON, SESSION, CUSTOMER = (
    "store",
    "person",
    "session",
    "customer",
)  # codes of other rows: store code, username, session code, customer's phone number
KINDS = (TEXT, INT, DECIMAL, DATE, MONTH, BOOL, CHOICE, STORE, PERSON, SESSION, CUSTOMER)
REFERENCES = (STORE, PERSON, SESSION, CUSTOMER)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Column:
    field: str  # the model field (a ForeignKey's name for references)
    zh: str
    en: str
    kind: str
    example: object
    required: bool = True
    min: Decimal | None = ZERO  # quantities and amounts are non-negative unless said otherwise
    max: Decimal | None = None

    def header(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class Rule:
    """A check across the columns of one row; the error is reported on `column` (a field name)."""

    column: str
    holds: Callable[[dict], bool]
    message: object  # a lazy translation


@dataclass(frozen=True)
class Dataset:
    code: str
    model: type[models.Model]
    title: object
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # field names of the natural key
    time_field: str  # "date" (a day) or "month" (the first day of a month), or another date column
    roles: frozenset[str]  # besides admin and executive, who always may
    rules: tuple[Rule, ...] = ()
    description: object = ""

    @cached_property
    def by_field(self) -> dict[str, Column]:
        return {column.field: column for column in self.columns}

    @property
    def store_field(self) -> str | None:
        return "store" if "store" in self.by_field else None

    def model_field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)


def _lte(part: str, whole: str, message) -> Rule:
    return Rule(part, lambda row: row[part] <= row[whole], message)


def _sum_lte(parts: tuple[str, ...], whole: str, message) -> Rule:
    return Rule(parts[0], lambda row: sum(row[p] for p in parts) <= row[whole], message)


STORE_COLUMN = Column("store", "门店代码", "Store code", STORE, "store-a")
STORE_OPTIONAL = Column("store", "门店代码", "Store code", STORE, "", required=False)
MONTH_COLUMN = Column("month", "月份", "Month", MONTH, "2026-03")
ADMINS = frozenset({Role.ADMIN, Role.EXECUTIVE})
STORE_ROLES = ADMINS | {Role.STORE_MANAGER}
QUALITY_ROLES = ADMINS | {Role.QUALITY}
HR_ROLES = ADMINS | {Role.HR}


def _money(field_name: str, zh: str, en: str, example: str, *, signed: bool = False, required: bool = True):
    return Column(field_name, zh, en, DECIMAL, example, required=required, min=None if signed else ZERO)


def _count(field_name: str, zh: str, en: str, example: int) -> Column:
    return Column(field_name, zh, en, INT, example)


def _flag(field_name: str, zh: str, en: str, example: bool) -> Column:
    return Column(field_name, zh, en, BOOL, example, required=False)


def _days(field_name: str, zh: str, en: str, example: str, *, required: bool = False) -> Column:
    return Column(field_name, zh, en, DECIMAL, example, required=required, max=Decimal(31))


REGISTRY: tuple[Dataset, ...] = (
    Dataset(
        "sales_deals",
        facts.SalesDeal,
        _("Sales deals"),
        (
            Column("deal_number", "成交单号", "Deal number", TEXT, "SD-2026-000123"),
            Column("date", "交车日期", "Delivery date", DATE, "2026-03-15"),
            STORE_COLUMN,
            Column("salesperson", "销售顾问", "Salesperson", TEXT, "王磊", required=False),
            Column("vehicle_model", "车型", "Vehicle model", TEXT, "EV S1 长续航版"),
            Column("vehicle_kind", "新车/二手车", "New or used", CHOICE, "new"),
            Column("channel", "销售类型", "Channel", CHOICE, "retail", required=False),
            _money("price", "成交价(元)", "Price (CNY)", "189900.00"),
            _money("cost", "成本(元)", "Cost (CNY)", "171500.00"),
            _flag("with_finance", "金融", "Finance", True),
            _flag("with_insurance", "保险", "Insurance", True),
            _flag("with_accessories", "精品", "Accessories", False),
            _flag("with_extended_warranty", "延保", "Extended warranty", False),
            _flag("with_trade_in", "置换", "Trade-in", True),
            Column("customer", "客户手机号", "Customer phone", CUSTOMER, "", required=False),
        ),
        key=("deal_number",),
        time_field="date",
        roles=STORE_ROLES,
        description=_(
            "One row per vehicle delivered: revenue, cost, the value-added products attached and "
            "whether a trade-in was taken, and the customer (by phone number) when known. Feeds revenue, "
            "sales growth, gross margin, penetration, trade-in rate and repeat purchase rate."
        ),
    ),
    Dataset(
        "inventory",
        facts.InventorySnapshot,
        _("Inventory snapshots"),
        (
            Column("date", "日期", "Date", DATE, "2026-03-31"),
            STORE_COLUMN,
            Column("category", "库存类别", "Category", CHOICE, "vehicles"),
            _count("units", "数量", "Units", 42),
            _money("value", "库存金额(元)", "Value at cost (CNY)", "6350000.00"),
        ),
        key=("store", "category", "date"),
        time_field="date",
        roles=STORE_ROLES,
        description=_(
            "Vehicles or parts in stock at the end of a day (month-ends are enough): units and value "
            "at cost. Feeds inventory turnover and days of supply."
        ),
    ),
    Dataset(
        "cogs",
        facts.CostOfGoodsSold,
        _("Cost of goods sold"),
        (
            MONTH_COLUMN,
            STORE_COLUMN,
            Column("category", "类别", "Category", CHOICE, "parts"),
            _count("units_sold", "销售数量", "Units sold", 1250),
            _money("amount", "销售成本(元)", "Cost of goods sold (CNY)", "386000.00"),
        ),
        key=("store", "category", "month"),
        time_field="month",
        roles=STORE_ROLES,
        description=_("A month's cost of the vehicles or parts sold. Feeds inventory turnover."),
    ),
    Dataset(
        "attendance",
        facts.Attendance,
        _("Attendance"),
        (
            Column("person", "员工账号", "Employee username", PERSON, "specialist_a"),
            MONTH_COLUMN,
            STORE_COLUMN,
            _days("scheduled_days", "应出勤天数", "Scheduled days", "22", required=True),
            _days("absent_sick", "病假天数", "Sick days", "1"),
            _days("absent_personal", "事假天数", "Personal leave days", "0.5"),
            _days("absent_unexcused", "旷工天数", "Unexcused absence days", "0"),
            _days("absent_annual_leave", "年假天数", "Annual leave days", "2"),
            _days("absent_other", "其他缺勤天数", "Other absence days", "0"),
        ),
        key=("person", "month"),
        time_field="month",
        roles=STORE_ROLES | HR_ROLES,
        rules=(
            Rule(
                "scheduled_days",
                lambda row: sum(row[name] for name in facts.ABSENCE_FIELDS) <= row["scheduled_days"],
                _("the days absent add up to more than the scheduled days"),
            ),
        ),
        description=_(
            "A person's scheduled working days in a month and the days absent by reason. Feeds the "
            "absenteeism rate."
        ),
    ),
    Dataset(
        "employee_survey",
        facts.EmployeeSurvey,
        _("Employee survey results"),
        (
            MONTH_COLUMN,
            STORE_COLUMN,
            Column("department", "部门", "Department", CHOICE, "", required=False),
            _count("respondents", "答卷人数", "Respondents", 24),
            Column(
                "esat_score", "满意度得分(0-100)", "eSat score (0-100)", DECIMAL, "82.5", max=Decimal(100)
            ),
            _count("enps_promoters", "推荐者人数(9-10分)", "eNPS promoters (9-10)", 11),
            _count("enps_passives", "中立者人数(7-8分)", "eNPS passives (7-8)", 9),
            _count("enps_detractors", "贬损者人数(0-6分)", "eNPS detractors (0-6)", 4),
        ),
        key=("store", "department", "month"),
        time_field="month",
        roles=STORE_ROLES | HR_ROLES,
        rules=(
            _sum_lte(
                ("enps_promoters", "enps_passives", "enps_detractors"),
                "respondents",
                _("promoters, passives and detractors add up to more than the respondents"),
            ),
        ),
        description=_(
            "A store's (or one department's) employee survey in a month: mean satisfaction score and "
            "the eNPS answer counts. Feeds employee satisfaction and eNPS."
        ),
    ),
    Dataset(
        "finance",
        facts.FinanceStatement,
        _("Finance"),
        (
            MONTH_COLUMN,
            STORE_OPTIONAL,
            _money("revenue", "营业收入(元)", "Revenue (CNY)", "12500000.00"),
            _money("cogs", "营业成本(元)", "Cost of goods sold (CNY)", "10900000.00"),
            _money("operating_profit", "营业利润(元)", "Operating profit (CNY)", "620000.00", signed=True),
            _money("net_income", "净利润(元)", "Net income (CNY)", "455000.00", signed=True),
            _money(
                "operating_cash_flow",
                "经营活动现金流(元)",
                "Operating cash flow (CNY)",
                "580000.00",
                signed=True,
            ),
        ),
        key=("store", "month"),
        time_field="month",
        roles=STORE_ROLES,
        description=_(
            "A month's income statement and operating cash flow, per store or (no store code) for the "
            "whole company. Feeds profit margin, cash conversion and sales growth."
        ),
    ),
    Dataset(
        "market",
        facts.MarketSize,
        _("Market size"),
        (
            Column("region", "区域", "Region", TEXT, "上海"),
            MONTH_COLUMN,
            _count("market_units", "市场销量(台)", "Market units", 18500),
            _money("market_value", "市场销售额(元)", "Market value (CNY)", "3330000000.00"),
            _count("own_units", "本公司销量(台)", "Own units", 420),
            _money("own_value", "本公司销售额(元)", "Own value (CNY)", "79800000.00"),
        ),
        key=("region", "month"),
        time_field="month",
        roles=ADMINS,
        rules=(
            _lte("own_units", "market_units", _("own units exceed the market's")),
            _lte("own_value", "market_value", _("own value exceeds the market's")),
        ),
        description=_(
            "The market in a region and month, and the company's own sales in it. Feeds market share."
        ),
    ),
    Dataset(
        "production",
        facts.ProductionRun,
        _("Production"),
        (
            Column("line", "产线", "Line", TEXT, "L1"),
            Column("date", "日期", "Date", DATE, "2026-03-02"),
            _count("planned_minutes", "计划生产时间(分钟)", "Planned time (min)", 960),
            _count("run_minutes", "实际运行时间(分钟)", "Run time (min)", 870),
            Column(
                "ideal_rate",
                "理想节拍(件/分钟)",
                "Ideal rate (units/min)",
                DECIMAL,
                "1.5",
                min=Decimal("0.001"),
            ),
            _count("produced", "产出数量", "Units produced", 1240),
            _count("good", "合格数量", "Good units", 1212),
        ),
        key=("line", "date"),
        time_field="date",
        roles=QUALITY_ROLES,
        rules=(
            _lte("run_minutes", "planned_minutes", _("the run time exceeds the planned time")),
            _lte("good", "produced", _("more good units than units produced")),
        ),
        description=_(
            "A production line's day: planned and run time, ideal rate, units produced and good. "
            "Feeds OEE (availability × performance × quality)."
        ),
    ),
    Dataset(
        "quality_inspections",
        facts.QualityInspection,
        _("Quality inspections"),
        (
            Column("date", "日期", "Date", DATE, "2026-03-02"),
            Column("product", "产品", "Product", TEXT, "EV S1 电池包"),
            Column("stage", "检验环节", "Inspection stage", CHOICE, "final"),
            _count("inspected", "检验数量", "Inspected", 500),
            _count("nonconforming", "不合格数量", "Nonconforming", 12),
            _count("scrapped", "报废数量", "Scrapped", 2),
            _count("reworked", "返工数量", "Reworked", 10),
        ),
        key=("product", "stage", "date"),
        time_field="date",
        roles=QUALITY_ROLES,
        rules=(
            _lte("nonconforming", "inspected", _("more nonconforming units than inspected")),
            _lte("scrapped", "nonconforming", _("more units scrapped than nonconforming")),
            _lte("reworked", "nonconforming", _("more units reworked than nonconforming")),
        ),
        description=_(
            "Units inspected per product, stage and day, and how many were nonconforming, scrapped or "
            "reworked. Feeds nonconformance rate, first pass yield, rework and scrap rates."
        ),
    ),
    Dataset(
        "quality_costs",
        facts.QualityCost,
        _("Quality costs"),
        (
            MONTH_COLUMN,
            Column("category", "质量成本类别", "Category", CHOICE, "internal_failure"),
            _money("amount", "金额(元)", "Amount (CNY)", "48200.00"),
        ),
        key=("category", "month"),
        time_field="month",
        roles=QUALITY_ROLES,
        description=_(
            "A month's cost of quality by PAF category (prevention, appraisal, internal and external "
            "failure). Feeds cost of quality and the quality loss rate."
        ),
    ),
    Dataset(
        "supplier_audits",
        facts.SupplierAudit,
        _("Supplier audits"),
        (
            Column("supplier", "供应商", "Supplier", TEXT, "宁德电池"),
            Column("date", "审核日期", "Audit date", DATE, "2026-03-10"),
            Column("score", "得分", "Score", DECIMAL, "86", required=False, max=Decimal(100)),
            Column("passed", "是否通过", "Passed", BOOL, True),
        ),
        key=("supplier", "date"),
        time_field="date",
        roles=QUALITY_ROLES,
        description=_("One audit of a supplier and whether it passed. Feeds the supplier audit pass rate."),
    ),
    Dataset(
        "supplier_deliveries",
        facts.SupplierDelivery,
        _("Supplier deliveries"),
        (
            Column("supplier", "供应商", "Supplier", TEXT, "宁德电池"),
            Column("date", "到货日期", "Delivery date", DATE, "2026-03-10"),
            _count("lines", "到货行数", "Order lines", 12),
            _count("lines_on_time", "准时行数", "Lines on time", 11),
            _count("units", "到货数量", "Units delivered", 3600),
            _count("units_defective", "不良数量", "Defective units", 2),
        ),
        key=("supplier", "date"),
        time_field="date",
        roles=QUALITY_ROLES,
        rules=(
            _lte("lines_on_time", "lines", _("more lines on time than lines delivered")),
            _lte("units_defective", "units", _("more defective units than delivered")),
        ),
        description=_(
            "A supplier's deliveries received on a day. Feeds supplier defect PPM and on-time delivery."
        ),
    ),
    Dataset(
        "training_sessions",
        facts.TrainingSession,
        _("Training sessions"),
        (
            Column("code", "培训编号", "Session code", TEXT, "TR-2026-03"),
            Column("title", "培训名称", "Title", TEXT, "新能源高压安全"),
            Column("date", "培训日期", "Date", DATE, "2026-03-12"),
            STORE_OPTIONAL,
            Column("pass_mark", "合格分数", "Pass mark", DECIMAL, "80", max=Decimal(1000)),
        ),
        key=("code",),
        time_field="date",
        roles=HR_ROLES | {Role.QUALITY},
        description=_(
            "A training session (for one store, or company-wide without a store code) and its pass "
            "mark. Import the sessions before their results."
        ),
    ),
    Dataset(
        "training_results",
        facts.TrainingResult,
        _("Training results"),
        (
            Column("session", "培训编号", "Session code", SESSION, "TR-2026-03"),
            Column("person", "员工账号", "Employee username", PERSON, "technician_a"),
            Column("attended", "是否出席", "Attended", BOOL, True),
            Column("score", "成绩", "Score", DECIMAL, "88", required=False, max=Decimal(1000)),
            Column("passed", "是否合格", "Passed", BOOL, True),
        ),
        key=("session", "person"),
        time_field="session__date",
        roles=HR_ROLES | {Role.QUALITY},
        rules=(
            Rule("passed", lambda row: row["attended"] or not row["passed"], _("passed without attending")),
        ),
        description=_(
            "One invited person of a session: attended, score, passed. Feeds training participation "
            "and pass rates."
        ),
    ),
    Dataset(
        "documents",
        facts.ControlledDocument,
        _("Controlled documents"),
        (
            Column("code", "文件编号", "Document code", TEXT, "QP-7.5-01"),
            Column("title", "文件名称", "Title", TEXT, "售后服务控制程序"),
            Column("review_due", "评审到期日", "Review due", DATE, "2026-06-30"),
            Column("updated_on", "最近修订日期", "Last revised", DATE, "2026-05-20", required=False),
        ),
        key=("code",),
        time_field="review_due",
        roles=QUALITY_ROLES,
        description=_(
            "A controlled document with its review due date and the date it was last revised. Feeds "
            "document update timeliness."
        ),
    ),
    Dataset(
        "improvement_projects",
        facts.ImprovementProject,
        _("Improvement projects"),
        (
            Column("code", "项目编号", "Project code", TEXT, "IP-2026-007"),
            Column("title", "项目名称", "Title", TEXT, "降低返修率"),
            Column("opened_on", "立项日期", "Opened", DATE, "2026-01-15"),
            Column("closed_on", "结项日期", "Closed", DATE, "2026-03-30", required=False),
            Column("metric", "改进指标", "Target metric", TEXT, "返修率", required=False),
            Column("baseline_value", "基线值", "Baseline value", DECIMAL, "4.2", required=False, min=None),
            Column("result_value", "改进后值", "Result value", DECIMAL, "2.9", required=False, min=None),
            _money("savings", "节约金额(元)", "Savings (CNY)", "126000.00", required=False),
        ),
        key=("code",),
        time_field="closed_on",
        roles=QUALITY_ROLES,
        rules=(
            Rule(
                "closed_on",
                lambda row: row["closed_on"] is None or row["closed_on"] >= row["opened_on"],
                _("closed before it was opened"),
            ),
        ),
        description=_(
            "An improvement project: when it opened and closed, the metric before and after, and the "
            "savings. Feeds improvement projects closed and their effect."
        ),
    ),
    Dataset(
        "certifications",
        facts.Certification,
        _("Certifications and awards"),
        (
            Column("code", "证书编号", "Code", TEXT, "ISO9001-2024"),
            Column("name", "名称", "Name", TEXT, "ISO 9001 质量管理体系认证"),
            Column("kind", "类型", "Kind", CHOICE, "certification"),
            Column("valid_from", "生效日期", "Valid from", DATE, "2024-06-01"),
            Column("valid_until", "失效日期", "Valid until", DATE, "2027-05-31", required=False),
        ),
        key=("code",),
        time_field="valid_from",
        roles=QUALITY_ROLES,
        rules=(
            Rule(
                "valid_until",
                lambda row: row["valid_until"] is None or row["valid_until"] >= row["valid_from"],
                _("ends before it starts"),
            ),
        ),
        description=_("A certificate or award and its validity. Feeds valid certifications and awards."),
    ),
    Dataset(
        "service_audits",
        facts.ServiceAudit,
        _("Service compliance audits"),
        (
            STORE_COLUMN,
            Column("date", "审核日期", "Audit date", DATE, "2026-03-20"),
            _count("items_checked", "检查项数", "Items checked", 40),
            _count("items_compliant", "合规项数", "Items compliant", 37),
            Column("auditor", "审核人", "Auditor", TEXT, "质量部 刘洋", required=False),
        ),
        key=("store", "date"),
        time_field="date",
        roles=STORE_ROLES | {Role.QUALITY},
        rules=(_lte("items_compliant", "items_checked", _("more items compliant than checked")),),
        description=_(
            "A service compliance audit of a store: checklist items checked and compliant. Feeds the "
            "service compliance rate."
        ),
    ),
    Dataset(
        "quality_objectives",
        facts.QualityObjective,
        _("Quality objectives"),
        (
            MONTH_COLUMN,
            STORE_OPTIONAL,
            Column("code", "目标编号", "Objective code", TEXT, "QO-FPY"),
            Column("name", "质量目标", "Objective", TEXT, "一次交验合格率"),
            Column("target_value", "目标值", "Target value", DECIMAL, "98", min=None),
            Column("actual_value", "实际值", "Actual value", DECIMAL, "98.6", required=False, min=None),
            Column("direction", "达标方向", "Direction", CHOICE, "at_least"),
            Column("met", "是否达成", "Met", BOOL, "", required=False),
        ),
        key=("store", "code", "month"),
        time_field="month",
        roles=QUALITY_ROLES | {Role.STORE_MANAGER},
        description=_(
            "A quality objective set for a month (per store, or company-wide without a store code): its "
            "target, the actual value and whether it was met (left empty: judged from the values in the "
            "objective's direction). Feeds the quality target achievement rate."
        ),
    ),
    Dataset(
        "service_opportunities",
        facts.ServiceOpportunity,
        _("Service opportunities"),
        (
            Column("code", "商机编号", "Opportunity code", TEXT, "OP-2026-00031"),
            STORE_COLUMN,
            Column("customer", "客户手机号", "Customer phone", CUSTOMER, "", required=False),
            Column("created_on", "创建日期", "Created", DATE, "2026-03-04"),
            Column("kind", "商机类型", "Kind", CHOICE, "extended_warranty"),
            Column("converted_on", "成交日期", "Converted", DATE, "2026-03-20", required=False),
        ),
        key=("code",),
        time_field="created_on",
        roles=STORE_ROLES,
        rules=(
            Rule(
                "converted_on",
                lambda row: row["converted_on"] is None or row["converted_on"] >= row["created_on"],
                _("converted before it was created"),
            ),
        ),
        description=_(
            "A sales opportunity found in after-sales service (vehicle, upgrade, accessory or extended "
            "warranty) and the day it became a sale, if it did. Feeds the business conversion rate."
        ),
    ),
)

DATASETS: dict[str, Dataset] = {dataset.code: dataset for dataset in REGISTRY}


def dataset_choices() -> list[tuple[str, object]]:
    return [(dataset.code, dataset.title) for dataset in REGISTRY]
