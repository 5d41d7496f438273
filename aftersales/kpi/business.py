"""The KPIs over imported business data (`aftersales.facts`): the 4S dealership's (kpi-definitions §3),
the enterprise's (§4) and the quality department's (§6). Part of the registry (`kpi.catalogue`).

Fact tables carry calendar days (`date`) or months (`month`, the first day), so these datasets are placed
in periods by date, without a time zone. A row of a store is seen by that store's viewers; company-wide
rows (finance totals, market, production, quality, suppliers) only by company-wide viewers.
"""

from datetime import timedelta

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aftersales.kpi.semantic import (
    PERIOD_DAYS,
    Aggregation,
    Censor,
    Dataset,
    Direction,
    Family,
    Kpi,
    Measure,
    Scoping,
    Unit,
    prior,
)

# --- datasets -------------------------------------------------------------------------------------------

STORE_DIMENSIONS = {"store": "store__code", "region": "store__region"}


def _of_store(code: str, model: str, time_field: str, description: str, **dimensions: str) -> Dataset:
    return Dataset(
        code=code,
        model=model,
        time_field=time_field,
        ticket_path="",
        dimensions={**STORE_DIMENSIONS, **dimensions},
        description=description,
        scoping=Scoping.STORE,
        store_path="store",
    )


def _of_company(code: str, model: str, time_field: str, description: str, **dimensions: str) -> Dataset:
    return Dataset(
        code=code,
        model=model,
        time_field=time_field,
        ticket_path="",
        dimensions=dimensions,
        description=description,
        scoping=Scoping.COMPANY,
    )


SALES_DEALS = _of_store(
    "sales_deals",
    "facts.SalesDeal",
    "date",
    "vehicle sales deals, by delivery date",
    channel="channel",
    kind="vehicle_kind",
)
INVENTORY = _of_store("inventory", "facts.InventorySnapshot", "date", "stock snapshots, by the day taken")
COST_OF_SALES = _of_store("cost_of_sales", "facts.CostOfGoodsSold", "month", "cost of goods sold, by month")
ATTENDANCE = _of_store(
    "attendance",
    "facts.Attendance",
    "month",
    "scheduled and absent days per person, by month",
    department="person__department__name",
    specialist="person__username",
)
EMPLOYEE_SURVEYS = _of_store(
    "employee_surveys",
    "facts.EmployeeSurvey",
    "month",
    "employee survey results per store (and department), by month",
    department="department",
)
SERVICE_OPPORTUNITIES = _of_store(
    "service_opportunities",
    "facts.ServiceOpportunity",
    "created_on",
    "sales opportunities found in after-sales service, by the day created",
    kind="kind",
)
QUALITY_OBJECTIVES = _of_store(
    "quality_objectives",
    "facts.QualityObjective",
    "month",
    "quality objectives per store or company-wide, by the month they are set for",
)
SERVICE_AUDITS = _of_store(
    "service_audits", "facts.ServiceAudit", "date", "service compliance audits of stores, by audit date"
)
TRAINING_RESULTS = Dataset(
    code="training_results",
    model="facts.TrainingResult",
    time_field="session__date",
    ticket_path="",
    dimensions={
        "store": "session__store__code",
        "region": "session__store__region",
        "department": "person__department__name",
    },
    description="invitations to training sessions and their results, by session date",
    scoping=Scoping.STORE,
    store_path="session__store",
)
FINANCE = Dataset(
    code="finance",
    model="facts.FinanceStatement",
    time_field="month",
    ticket_path="",
    dimensions={},
    description="the company's monthly statements (the rows without a store), by month",
    scoping=Scoping.COMPANY,
    store_path="store",
)
MARKET = _of_company(
    "market", "facts.MarketSize", "month", "market size per region, by month", region="region"
)
PRODUCTION = _of_company(
    "production", "facts.ProductionRun", "date", "production lines' days, by date", line="line"
)
INSPECTIONS = _of_company(
    "inspections",
    "facts.QualityInspection",
    "date",
    "quality inspections, by date",
    stage="stage",
    product="product",
)
QUALITY_COSTS = _of_company(
    "quality_costs", "facts.QualityCost", "month", "quality costs by category, by month", category="category"
)
SUPPLIER_AUDITS = _of_company(
    "supplier_audits", "facts.SupplierAudit", "date", "supplier audits, by audit date", supplier="supplier"
)
SUPPLIER_DELIVERIES = _of_company(
    "supplier_deliveries",
    "facts.SupplierDelivery",
    "date",
    "supplier deliveries, by delivery date",
    supplier="supplier",
)
DOCUMENTS = _of_company(
    "documents", "facts.ControlledDocument", "review_due", "controlled documents, by review due date"
)
# A certificate is read twice: in force on each period's last day (an interval), and by the day it was
# granted (an award is received in its period).
CERTIFICATES_IN_FORCE = Dataset(
    code="certificates_in_force",
    model="facts.Certification",
    time_field="valid_from",
    until_field="valid_until",
    ticket_path="",
    dimensions={"kind": "kind"},
    description="certificates and awards in force on each period's last day",
    scoping=Scoping.COMPANY,
)
CERTIFICATES_GRANTED = _of_company(
    "certificates_granted",
    "facts.Certification",
    "valid_from",
    "certificates and awards, by the day granted",
    kind="kind",
)
IMPROVEMENTS = _of_company(
    "improvements", "facts.ImprovementProject", "closed_on", "improvement projects, by closing date"
)

# --- measures -------------------------------------------------------------------------------------------

RETAIL = Q(channel="retail")
NEW_RETAIL = RETAIL & Q(vehicle_kind="new")
VEHICLES = Q(category="vehicles")
# Unplanned absence (§3a variant): sick, personal and unexcused days; annual leave and "other" are out.
UNPLANNED_ABSENCE = F("absent_sick") + F("absent_personal") + F("absent_unexcused")
FAILURE_COSTS = Q(category__in=["internal_failure", "external_failure"])

sales_revenue = Measure("revenue", SALES_DEALS, Aggregation.SUM, field="price")
sales_gross_profit = Measure("gross_profit", SALES_DEALS, Aggregation.SUM, field=F("price") - F("cost"))
retail_deals = Measure("retail_deals", SALES_DEALS, Aggregation.COUNT, filter=RETAIL)
new_retail_deals = Measure("new_retail_deals", SALES_DEALS, Aggregation.COUNT, filter=NEW_RETAIL)
new_retail_trade_ins = Measure(
    "new_retail_trade_ins", SALES_DEALS, Aggregation.COUNT, filter=NEW_RETAIL & Q(with_trade_in=True)
)


def _retail_with(product: str) -> Measure:
    return Measure(
        f"retail_with_{product}",
        SALES_DEALS,
        Aggregation.COUNT,
        filter=RETAIL & Q(**{f"with_{product}": True}),
    )


# Repeat purchase (§5): customers named on the deals, counted once per period (and key); a deal without a
# customer is in neither count.
WITH_CUSTOMER = Q(customer__isnull=False)
paying_customers = Measure(
    "customers", SALES_DEALS, Aggregation.COUNT_DISTINCT, field="customer", filter=WITH_CUSTOMER
)
repeat_customers = Measure(
    "repeat_customers", SALES_DEALS, Aggregation.COUNT_REPEATED, field="customer", filter=WITH_CUSTOMER
)
# Business conversion (§2): converted within W = 90 days of the opportunity; an opportunity counts only
# once its 90 days are over (§0.6). Not "or once converted": with successes known early and failures only
# at the end, the latest periods would count their conversions and none of their misses.
CONVERSION_WINDOW = timedelta(days=90)
CONVERTED_IN_WINDOW = Q(converted_on__isnull=False, converted_on__lte=F("created_on") + CONVERSION_WINDOW)
CONVERSION_DECIDED = Censor("created_on", CONVERSION_WINDOW)
opportunities = Measure("opportunities", SERVICE_OPPORTUNITIES, Aggregation.COUNT, censor=CONVERSION_DECIDED)
opportunities_converted = Measure(
    "converted",
    SERVICE_OPPORTUNITIES,
    Aggregation.COUNT,
    filter=CONVERTED_IN_WINDOW,
    censor=CONVERSION_DECIDED,
)
# Quality objectives (§6): met as recorded, or judged from the values; an objective counts once assessed
# (met or actual value given) or once its month is surely over, when unassessed means not met.
OBJECTIVE_MET = (
    Q(met=True)
    | Q(met__isnull=True, direction="at_least", actual_value__gte=F("target_value"))
    | Q(met__isnull=True, direction="at_most", actual_value__lte=F("target_value"))
)
OBJECTIVE_DECIDED = Censor(
    "month", timedelta(days=31), known=Q(met__isnull=False) | Q(actual_value__isnull=False)
)
objectives_set = Measure("set", QUALITY_OBJECTIVES, Aggregation.COUNT, censor=OBJECTIVE_DECIDED)
objectives_met = Measure(
    "met", QUALITY_OBJECTIVES, Aggregation.COUNT, filter=OBJECTIVE_MET, censor=OBJECTIVE_DECIDED
)
absent_days = Measure("absent_days", ATTENDANCE, Aggregation.SUM, field=UNPLANNED_ABSENCE)
scheduled_days = Measure("scheduled_days", ATTENDANCE, Aggregation.SUM, field="scheduled_days")
vehicle_cogs = Measure("vehicle_cogs", COST_OF_SALES, Aggregation.SUM, field="amount", filter=VEHICLES)
vehicle_units_sold = Measure(
    "vehicle_units_sold", COST_OF_SALES, Aggregation.SUM, field="units_sold", filter=VEHICLES
)
vehicle_stock_value = Measure(
    "vehicle_stock_value", INVENTORY, Aggregation.SUM, field="value", filter=VEHICLES
)
vehicle_stock_units = Measure(
    "vehicle_stock_units", INVENTORY, Aggregation.SUM, field="units", filter=VEHICLES
)
# The days stock was counted: the average stock is the sum of the snapshots over the days counted
# (every store's snapshot of a day adds up to the day's stock; the days average).
vehicle_stock_days = Measure(
    "vehicle_stock_days", INVENTORY, Aggregation.COUNT_DISTINCT, field="date", filter=VEHICLES
)
audit_items_checked = Measure("items_checked", SERVICE_AUDITS, Aggregation.SUM, field="items_checked")
audit_items_compliant = Measure("items_compliant", SERVICE_AUDITS, Aggregation.SUM, field="items_compliant")

company_revenue = Measure("revenue", FINANCE, Aggregation.SUM, field="revenue")
operating_profit = Measure("operating_profit", FINANCE, Aggregation.SUM, field="operating_profit")
operating_cash_flow = Measure("operating_cash_flow", FINANCE, Aggregation.SUM, field="operating_cash_flow")
own_units = Measure("own_units", MARKET, Aggregation.SUM, field="own_units")
market_units = Measure("market_units", MARKET, Aggregation.SUM, field="market_units")
planned_minutes = Measure("planned_minutes", PRODUCTION, Aggregation.SUM, field="planned_minutes")
run_minutes = Measure("run_minutes", PRODUCTION, Aggregation.SUM, field="run_minutes")
ideal_output = Measure("ideal_output", PRODUCTION, Aggregation.SUM, field=F("run_minutes") * F("ideal_rate"))
produced = Measure("produced", PRODUCTION, Aggregation.SUM, field="produced")
good = Measure("good", PRODUCTION, Aggregation.SUM, field="good")
esat_weighted = Measure(
    "esat_weighted", EMPLOYEE_SURVEYS, Aggregation.SUM, field=F("esat_score") * F("respondents")
)
respondents = Measure("respondents", EMPLOYEE_SURVEYS, Aggregation.SUM, field="respondents")
enps_net = Measure(
    "enps_net", EMPLOYEE_SURVEYS, Aggregation.SUM, field=F("enps_promoters") - F("enps_detractors")
)
enps_answers = Measure(
    "enps_answers",
    EMPLOYEE_SURVEYS,
    Aggregation.SUM,
    field=F("enps_promoters") + F("enps_passives") + F("enps_detractors"),
)

inspected = Measure("inspected", INSPECTIONS, Aggregation.SUM, field="inspected")
nonconforming = Measure("nonconforming", INSPECTIONS, Aggregation.SUM, field="nonconforming")
first_pass = Measure("first_pass", INSPECTIONS, Aggregation.SUM, field=F("inspected") - F("nonconforming"))
reworked = Measure("reworked", INSPECTIONS, Aggregation.SUM, field="reworked")
scrapped = Measure("scrapped", INSPECTIONS, Aggregation.SUM, field="scrapped")
quality_cost = Measure("amount", QUALITY_COSTS, Aggregation.SUM, field="amount")
failure_cost = Measure("failure_amount", QUALITY_COSTS, Aggregation.SUM, field="amount", filter=FAILURE_COSTS)
supplier_audits = Measure("audits", SUPPLIER_AUDITS, Aggregation.COUNT)
supplier_audits_passed = Measure("audits_passed", SUPPLIER_AUDITS, Aggregation.COUNT, filter=Q(passed=True))
units_received = Measure("units", SUPPLIER_DELIVERIES, Aggregation.SUM, field="units")
units_defective = Measure("units_defective", SUPPLIER_DELIVERIES, Aggregation.SUM, field="units_defective")
lines_received = Measure("lines", SUPPLIER_DELIVERIES, Aggregation.SUM, field="lines")
lines_on_time = Measure("lines_on_time", SUPPLIER_DELIVERIES, Aggregation.SUM, field="lines_on_time")
training_invited = Measure("invited", TRAINING_RESULTS, Aggregation.COUNT)
training_attended = Measure("attended", TRAINING_RESULTS, Aggregation.COUNT, filter=Q(attended=True))
training_passed = Measure("passed", TRAINING_RESULTS, Aggregation.COUNT, filter=Q(passed=True))
# A document due in the period counts once revised or once its due day is over (§0.6).
DOCUMENT_DECIDED = Censor("review_due", timedelta(days=1), known=Q(updated_on__isnull=False))
REVISED_ON_TIME = Q(updated_on__isnull=False, updated_on__lte=F("review_due"))
documents_due = Measure("due", DOCUMENTS, Aggregation.COUNT, censor=DOCUMENT_DECIDED)
documents_revised = Measure(
    "revised_on_time", DOCUMENTS, Aggregation.COUNT, filter=REVISED_ON_TIME, censor=DOCUMENT_DECIDED
)
certificates_valid = Measure(
    "certificates", CERTIFICATES_IN_FORCE, Aggregation.COUNT, filter=Q(kind="certification")
)
awards_received = Measure("awards", CERTIFICATES_GRANTED, Aggregation.COUNT, filter=Q(kind="award"))
projects_closed = Measure("closed", IMPROVEMENTS, Aggregation.COUNT)
project_savings = Measure("savings", IMPROVEMENTS, Aggregation.SUM, field="savings")

# --- KPIs -----------------------------------------------------------------------------------------------


def _penetration(product: str, name_zh: str, name_en: str, reference: str, **targets) -> Kpi:
    return Kpi(
        code=f"penetration_{product}",
        name_zh=name_zh,
        name_en=name_en,
        family=Family.DEALER,
        reference=reference,
        formula=_("retail deals with the product / retail deals delivered"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        numerator=_retail_with(product),
        denominator=retail_deals,
        variant=_(
            "Deals, not products: a deal counts once. Retail deals only (fleet deals are out); new and used "
            "together (break down by kind to separate them)."
        ),
        **targets,
    )


def _growth(code: str, of: str, name_zh: str, name_en: str, family: Family, formula) -> Kpi:
    """(this period − the period before) / the period before, of the KPI `of`, at the same grain and key."""
    return Kpi(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        family=family,
        reference="kpi-definitions §4, §5",
        formula=formula,
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        inputs=(of,),
        previous=(of,),
        expression=lambda v: (v[of] - v[prior(of)]) / v[prior(of)] if v[prior(of)] else None,
        variant=_(
            "Period over period at the grain shown (month on month, quarter on quarter, year on year), "
            "not against the same period a year before; the period before is a whole period even when "
            "the range starts inside one. No sales in the period before: no value."
        ),
    )


def _ratio(code, name_zh, name_en, family, reference, formula, numerator, denominator, **more) -> Kpi:
    return Kpi(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        family=family,
        reference=reference,
        formula=formula,
        unit=more.pop("unit", Unit.PERCENT),
        direction=more.pop("direction", Direction.HIGHER),
        numerator=numerator,
        denominator=denominator,
        **more,
    )


def _total(code, name_zh, name_en, family, reference, formula, measure, **more) -> Kpi:
    return Kpi(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        family=family,
        reference=reference,
        formula=formula,
        unit=more.pop("unit", Unit.CNY),
        direction=more.pop("direction", Direction.HIGHER),
        measure=measure,
        **more,
    )


def _quotient(numerator: str, denominator: str) -> dict:
    """The `inputs` and `expression` of a KPI that divides one KPI by another: no value when the
    denominator is 0 (or has none, which the engine handles before calling)."""
    return {
        "inputs": (numerator, denominator),
        "expression": lambda v: v[numerator] / v[denominator] if v[denominator] else None,
    }


DEALER_KPIS = (
    _total(
        "sales_revenue",
        "销售收入",
        "Sales revenue",
        Family.DEALER,
        "kpi-definitions §3a",
        _("Σ net price of the vehicle deals delivered"),
        sales_revenue,
        variant=_(
            "Vehicle sales (new and used) recognised at delivery; F&I and service income are not in it."
        ),
    ),
    _ratio(
        "gross_margin_rate",
        "毛利率",
        "Gross margin rate",
        Family.DEALER,
        "kpi-definitions §3a",
        _("(Σ price − Σ cost) / Σ price of the vehicle deals delivered"),
        sales_gross_profit,
        sales_revenue,
        variant=_("Front-end vehicle gross; rolled up as a ratio of sums."),
    ),
    # Many Chinese 4S stores require finance penetration of at least 80 % (kpi-definitions §3a, [S44]).
    _penetration(
        "finance", "金融渗透率", "Finance penetration", "kpi-definitions §3a", target=0.80, warning=0.70
    ),
    _penetration("insurance", "新保渗透率", "Insurance penetration", "kpi-definitions §3a"),
    _penetration("accessories", "精品渗透率", "Accessories penetration", "kpi-definitions §3a"),
    _penetration("extended_warranty", "延保渗透率", "Extended warranty penetration", "kpi-definitions §3a"),
    _ratio(
        "trade_in_rate",
        "二手车置换率",
        "Used-car trade-in rate",
        Family.DEALER,
        "kpi-definitions §3a",
        _("new-vehicle retail deals with a trade-in / new-vehicle retail deals"),
        new_retail_trade_ins,
        new_retail_deals,
        variant=_("A deal with a trade-in counts once; used-vehicle and fleet deals are out."),
    ),
    _growth(
        "sales_growth",
        "sales_revenue",
        "销售增长率",
        "Sales growth rate",
        Family.DEALER,
        _("(sales revenue − sales revenue of the period before) / sales revenue of the period before"),
    ),
    _ratio(
        "repeat_purchase_rate",
        "复购率",
        "Repeat purchase rate",
        Family.CRM,
        "kpi-definitions §5",
        _("customers with 2 or more deals in the period / customers with a deal in the period"),
        repeat_customers,
        paying_customers,
        variant=_(
            "In-window form: both deals in the same period (and, broken down, the same store or key), "
            "purchases before the period not counted; every deal counts (new, used, fleet); deals "
            "without a customer are out. Not meaningful for long-cycle purchases such as cars: for a "
            "dealer, the service return rate says more about loyalty."
        ),
    ),
    _ratio(
        "business_conversion_rate",
        "业务转化率",
        "Business conversion rate",
        Family.DEALER,
        "kpi-definitions §2",
        _(
            "service opportunities converted to a sale within 90 days / service opportunities created "
            "in the period"
        ),
        opportunities_converted,
        opportunities,
        variant=_(
            "W = 90 days from the day the opportunity was created; the denominator is the "
            "opportunities (not the service customers). Right-censored (§0.6): an opportunity counts once "
            "its 90 days are over, converted or not, so the last three months have no value yet rather "
            "than a rate made of early conversions alone."
        ),
    ),
    _ratio(
        "absenteeism_rate",
        "员工缺勤率",
        "Employee absenteeism rate",
        Family.DEALER,
        "kpi-definitions §3a",
        _("(sick + personal + unexcused absence days) / scheduled working days"),
        absent_days,
        scheduled_days,
        direction=Direction.LOWER,
        variant=_(
            "Unplanned absence only: annual leave and other absences are not counted; working days "
            "(scheduled), not calendar days."
        ),
    ),
    _total(
        "vehicle_cogs",
        "整车销售成本",
        "Vehicle cost of goods sold",
        Family.DEALER,
        "kpi-definitions §3a",
        _("Σ cost of goods sold, vehicles"),
        vehicle_cogs,
    ),
    _ratio(
        "vehicle_inventory_avg",
        "平均整车库存（成本）",
        "Average vehicle inventory at cost",
        Family.DEALER,
        "kpi-definitions §3a",
        _("Σ vehicle stock value of the snapshots / number of snapshot days"),
        vehicle_stock_value,
        vehicle_stock_days,
        unit=Unit.CNY,
        direction=Direction.LOWER,
        variant=_(
            "The mean of the snapshots taken in the period (e.g. month-ends), all stores added up per day."
        ),
    ),
    Kpi(
        code="vehicle_inventory_turnover",
        name_zh="整车库存周转率",
        name_en="Vehicle inventory turnover",
        family=Family.DEALER,
        reference="kpi-definitions §3a",
        formula=_("vehicle COGS / average vehicle inventory at cost"),
        unit=Unit.TURNS,
        direction=Direction.HIGHER,
        **_quotient("vehicle_cogs", "vehicle_inventory_avg"),
        variant=_("By value (not units); turns within the period, not annualised."),
    ),
    _total(
        "vehicle_units_sold",
        "整车销量",
        "Vehicles sold",
        Family.DEALER,
        "kpi-definitions §3a",
        _("Σ units sold, vehicles (cost of goods sold)"),
        vehicle_units_sold,
        unit=Unit.COUNT,
    ),
    _ratio(
        "vehicle_stock_units_avg",
        "平均整车库存台数",
        "Average vehicles in stock",
        Family.DEALER,
        "kpi-definitions §3a",
        _("Σ vehicle units of the snapshots / number of snapshot days"),
        vehicle_stock_units,
        vehicle_stock_days,
        unit=Unit.COUNT,
        direction=Direction.LOWER,
    ),
    Kpi(
        code="vehicle_days_supply",
        name_zh="整车库存天数",
        name_en="Vehicle days of supply",
        family=Family.DEALER,
        reference="kpi-definitions §3a",
        formula=_("average vehicles in stock / (vehicles sold / days in the period)"),
        unit=Unit.DAYS,
        direction=Direction.LOWER,
        inputs=("vehicle_stock_units_avg", "vehicle_units_sold"),
        expression=lambda v: (
            v["vehicle_stock_units_avg"] / (v["vehicle_units_sold"] / v[PERIOD_DAYS])
            if v["vehicle_units_sold"]
            else None
        ),
        variant=_(
            "Calendar days of the period (the imports carry no selling-day calendar) and the period's "
            "average stock, not the prior month's selling rate against the closing stock."
        ),
    ),
    _ratio(
        "service_compliance_rate",
        "服务规范符合率",
        "Service compliance rate",
        Family.DEALER,
        "kpi-definitions §2.5",
        _("compliant checklist items / checklist items checked, over the audits of the period"),
        audit_items_compliant,
        audit_items_checked,
        variant=_("Items not applicable are not imported as checked; rolled up as a ratio of sums."),
    ),
)

ENTERPRISE_KPIS = (
    _total(
        "company_revenue",
        "营业收入",
        "Revenue",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ revenue of the company's statements"),
        company_revenue,
        variant=_("The company's own statement rows (without a store); store rows are not added to them."),
    ),
    _growth(
        "company_revenue_growth",
        "company_revenue",
        "营业收入增长率",
        "Revenue growth rate",
        Family.ENTERPRISE,
        _("(revenue − revenue of the period before) / revenue of the period before"),
    ),
    _ratio(
        "profit_margin",
        "营业利润率",
        "Operating profit margin",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ operating profit / Σ revenue"),
        operating_profit,
        company_revenue,
        variant=_("Operating, not net, profit margin."),
    ),
    _total(
        "operating_cash_flow",
        "经营活动现金流",
        "Operating cash flow",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ operating cash flow of the company's statements"),
        operating_cash_flow,
    ),
    _ratio(
        "cash_conversion",
        "经营现金转化率",
        "Operating cash conversion",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ operating cash flow / Σ operating profit"),
        operating_cash_flow,
        operating_profit,
        variant=_("Over operating profit, not net income."),
    ),
    _ratio(
        "market_share",
        "市场占有率",
        "Market share",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ own units sold / Σ market units, same regions and period"),
        own_units,
        market_units,
        variant=_("By units, not value."),
    ),
    _ratio(
        "oee_availability",
        "设备可用率",
        "OEE availability",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ run time / Σ planned production time"),
        run_minutes,
        planned_minutes,
    ),
    _ratio(
        "oee_performance",
        "设备性能率",
        "OEE performance",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ units produced / Σ (run time × ideal rate)"),
        produced,
        ideal_output,
        variant=_("Not capped at 100 %: a figure above it means the ideal rate is set too low."),
    ),
    _ratio(
        "oee_quality",
        "设备良品率",
        "OEE quality",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ good units / Σ units produced"),
        good,
        produced,
    ),
    Kpi(
        code="oee",
        name_zh="设备综合效率",
        name_en="Overall equipment effectiveness (OEE)",
        family=Family.ENTERPRISE,
        reference="kpi-definitions §4",
        formula=_("availability × performance × quality"),
        unit=Unit.PERCENT,
        direction=Direction.HIGHER,
        inputs=("oee_availability", "oee_performance", "oee_quality"),
        expression=lambda v: v["oee_availability"] * v["oee_performance"] * v["oee_quality"],
        variant=_("Each factor a ratio of sums over the lines and days, then multiplied."),
        target=0.85,
        warning=0.60,
    ),
    _ratio(
        "employee_satisfaction",
        "员工满意度",
        "Employee satisfaction",
        Family.ENTERPRISE,
        "kpi-definitions §4",
        _("Σ (eSat score × respondents) / Σ respondents"),
        esat_weighted,
        respondents,
        unit=Unit.POINTS,
        variant=_("The survey's 0–100 index, weighted by respondents."),
    ),
    _ratio(
        "enps",
        "员工净推荐值",
        "Employee NPS (eNPS)",
        Family.ENTERPRISE,
        "kpi-definitions §1",
        _("100 × (Σ promoters − Σ detractors) / Σ (promoters + passives + detractors)"),
        enps_net,
        enps_answers,
        unit=Unit.POINTS,
        scale=100,
        variant=_("Recomputed from the counts, never an average of store eNPS values."),
    ),
)

QUALITY_KPIS = (
    _ratio(
        "nonconformance_rate",
        "产品不合格率",
        "Nonconformance rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ nonconforming units / Σ units inspected"),
        nonconforming,
        inspected,
        direction=Direction.LOWER,
        variant=_("All inspection stages together; break down by stage for incoming, in-process and final."),
    ),
    _ratio(
        "first_pass_yield",
        "一次交验合格率",
        "First pass yield",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ (units inspected − nonconforming) / Σ units inspected"),
        first_pass,
        inspected,
        variant=_("A reworked unit did not pass first time; not the rolled throughput yield."),
    ),
    _ratio(
        "rework_rate",
        "返工率",
        "Rework rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ reworked units / Σ units inspected"),
        reworked,
        inspected,
        direction=Direction.LOWER,
        variant=_("Units basis (not hours or cost)."),
    ),
    _ratio(
        "scrap_rate",
        "报废率",
        "Scrap rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ scrapped units / Σ units inspected"),
        scrapped,
        inspected,
        direction=Direction.LOWER,
        variant=_("Units basis (not cost)."),
    ),
    _total(
        "cost_of_quality",
        "质量成本",
        "Cost of quality",
        Family.QUALITY,
        "kpi-definitions §6",
        _("prevention + appraisal + internal failure + external failure costs"),
        quality_cost,
        direction=Direction.LOWER,
    ),
    _total(
        "quality_failure_cost",
        "质量损失",
        "Quality failure cost",
        Family.QUALITY,
        "kpi-definitions §6",
        _("internal failure + external failure costs"),
        failure_cost,
        direction=Direction.LOWER,
    ),
    Kpi(
        code="cost_of_quality_rate",
        name_zh="质量成本率",
        name_en="Cost of quality rate",
        family=Family.QUALITY,
        reference="kpi-definitions §6",
        formula=_("cost of quality / revenue"),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        **_quotient("cost_of_quality", "company_revenue"),
        variant=_("Over the company's revenue (finance statements)."),
    ),
    Kpi(
        code="quality_loss_rate",
        name_zh="质量损失率",
        name_en="Quality loss rate",
        family=Family.QUALITY,
        reference="kpi-definitions §6",
        formula=_("(internal + external failure costs) / revenue"),
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        **_quotient("quality_failure_cost", "company_revenue"),
        variant=_("P is the company's revenue (finance statements), not the gross industrial output value."),
    ),
    _ratio(
        "supplier_audit_pass_rate",
        "供应商审核通过率",
        "Supplier audit pass rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("supplier audits passed / supplier audits conducted"),
        supplier_audits_passed,
        supplier_audits,
        variant=_("Passed as recorded by the auditor (the pass mark is theirs)."),
    ),
    _ratio(
        "supplier_defect_ppm",
        "来料不良PPM",
        "Supplier defect PPM",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ defective units received / Σ units received × 10⁶"),
        units_defective,
        units_received,
        unit=Unit.PPM,
        direction=Direction.LOWER,
        scale=1_000_000,
        variant=_("Defective units, not whole lots."),
    ),
    _ratio(
        "supplier_on_time_delivery",
        "供应商准时交付率",
        "Supplier on-time delivery",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ order lines on time / Σ order lines received"),
        lines_on_time,
        lines_received,
        variant=_("OTD by lines (not OTIF); on time as recorded against the agreed window."),
        target=0.95,
    ),
    _ratio(
        "training_participation",
        "培训参与率",
        "Training participation rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("invited people who attended / people invited"),
        training_attended,
        training_invited,
        target=0.90,
    ),
    _ratio(
        "training_pass_rate",
        "培训合格率",
        "Training pass rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("participants who passed / participants who attended"),
        training_passed,
        training_attended,
        variant=_("Everyone who attended is assessed; the pass mark is the session's."),
    ),
    _ratio(
        "document_update_timeliness",
        "文件更新及时率",
        "Document update timeliness",
        Family.QUALITY,
        "kpi-definitions §6",
        _("documents due for review in the period revised by their due date / documents due"),
        documents_revised,
        documents_due,
        variant=_(
            "A document still unrevised counts once its due day is over. The import keeps one row per "
            "document, so its last revision date is judged against its current due date."
        ),
    ),
    _ratio(
        "quality_objectives_achieved",
        "质量目标达成率",
        "Quality target achievement rate",
        Family.QUALITY,
        "kpi-definitions §6",
        _("quality objectives met / quality objectives set for the period"),
        objectives_met,
        objectives_set,
        variant=_(
            "The count form (not a weighted mean of per-objective achievement). Met as recorded, else "
            "the actual value against the target in the objective's direction; an objective counts once "
            "assessed, or once 31 days from its month's start have passed, unassessed then meaning not met."
        ),
    ),
    _total(
        "certifications_valid",
        "有效认证数",
        "Valid certifications",
        Family.QUALITY,
        "kpi-definitions §6",
        _("count(certificates in force on the period's last day)"),
        certificates_valid,
        unit=Unit.COUNT,
        variant=_(
            "A stock, not a flow: a certificate counts in every period whose last day (today, for the "
            "running period) falls between its valid-from day and its valid-until day, both included; "
            "no valid-until day means no expiry."
        ),
    ),
    _total(
        "awards_received",
        "获得荣誉数",
        "Awards received",
        Family.QUALITY,
        "kpi-definitions §6",
        _("count(awards granted in the period)"),
        awards_received,
        unit=Unit.COUNT,
        variant=_("An award counts in the period of its valid-from (granted) day."),
    ),
    Kpi(
        code="certifications_and_awards",
        name_zh="认证与荣誉",
        name_en="Certifications and awards",
        family=Family.QUALITY,
        reference="kpi-definitions §6",
        formula=_("valid certifications at the period's end + awards received in the period"),
        unit=Unit.COUNT,
        direction=Direction.HIGHER,
        inputs=("certifications_valid", "awards_received"),
        expression=lambda v: v["certifications_valid"] + v["awards_received"],
        variant=_("The count form (not a yes/no per certificate); the two parts are KPIs of their own."),
    ),
    _total(
        "improvement_projects_closed",
        "改进项目结案数",
        "Improvement projects closed",
        Family.QUALITY,
        "kpi-definitions §6",
        _("count(improvement projects closed)"),
        projects_closed,
        unit=Unit.COUNT,
    ),
    _total(
        "improvement_savings",
        "改进项目成效",
        "Improvement savings",
        Family.QUALITY,
        "kpi-definitions §6",
        _("Σ realised savings of the projects closed"),
        project_savings,
        variant=_("The effect in money; the metric's own change is on each project's record."),
    ),
)
