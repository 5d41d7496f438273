"""Business data the service process does not record, imported from the spreadsheets people keep.

Every fact table has a natural key (a unique constraint: a re-import of the same rows updates them), the
`ImportBatch` that last wrote each row, a date (`date`, a day) or a period (`month`, the first day of the
month), a store where it applies, and typed measures: money as Decimal, quantities non-negative with
CHECK constraints in the database as well as in the import's validation (`aftersales.facts.datasets`).

The KPI engine reads these tables; `docs/imports.md` lists each one's columns.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Department, Store
from aftersales.core.models import TimeStampedModel
from aftersales.customers.models import Customer
from aftersales.facts.querysets import ImportBatchQuerySet

MONEY = {"max_digits": 16, "decimal_places": 2}


def _non_negative(table: str, *fields: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(**{f"{f}__gte": 0}), name=f"{table}_{f}_gte_0") for f in fields
    ]


def _at_most(table: str, part: str, whole: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{part}__lte": F(whole)}), name=f"{table}_{part}_lte_{whole}"
    )


def _first_of_month(table: str, field: str = "month") -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__day": 1}), name=f"{table}_{field}_first_day")


class ImportBatch(TimeStampedModel):
    """One import of one file (or one API call, or the demo seed): who, when, what, and how it went.

    A failed import writes no fact rows; its errors are kept here (row, column, value, reason)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        DRY_RUN = "dry_run", _("dry run (nothing written)")
        FAILED = "failed", _("failed (nothing written)")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("upload")
        COMMAND = "command", _("command")
        API = "api", _("API")
        SEED = "seed", _("demo seed")

    dataset = models.CharField(_("dataset"), max_length=40, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fact_imports",
        verbose_name=_("imported by"),
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("rows created"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows updated"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.dataset} {self.file_name} {self.status}"


class Fact(TimeStampedModel):
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="+", verbose_name=_("import")
    )

    class Meta:
        abstract = True


class VehicleKind(models.TextChoices):
    NEW = "new", _("new vehicle")
    USED = "used", _("used vehicle")


class SalesDeal(Fact):
    class Channel(models.TextChoices):
        RETAIL = "retail", _("retail")
        FLEET = "fleet", _("fleet")

    deal_number = models.CharField(_("deal number"), max_length=40, unique=True)
    date = models.DateField(_("delivery date"), db_index=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    salesperson = models.CharField(_("salesperson"), max_length=100, blank=True)
    vehicle_model = models.CharField(_("vehicle model"), max_length=100)
    vehicle_kind = models.CharField(_("new or used"), max_length=8, choices=VehicleKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.RETAIL)
    price = models.DecimalField(_("price (net revenue)"), **MONEY)
    cost = models.DecimalField(_("cost"), **MONEY)
    with_finance = models.BooleanField(_("financed"), default=False)
    with_insurance = models.BooleanField(_("insurance"), default=False)
    with_accessories = models.BooleanField(_("accessories"), default=False)
    with_extended_warranty = models.BooleanField(_("extended warranty"), default=False)
    with_trade_in = models.BooleanField(_("trade-in"), default=False)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,  # a deal stays a deal when its customer's record goes
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
        help_text=_("named by phone number in imports; empty when not known"),
    )

    class Meta:
        ordering = ["-date", "deal_number"]
        verbose_name = _("sales deal")
        verbose_name_plural = _("sales deals")
        constraints = _non_negative("facts_salesdeal", "price", "cost")


class StockCategory(models.TextChoices):
    VEHICLES = "vehicles", _("vehicles")
    PARTS = "parts", _("parts")


class InventorySnapshot(Fact):
    """Stock on hand at the end of `date`: units and value at cost."""

    date = models.DateField(_("date"), db_index=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    category = models.CharField(_("category"), max_length=10, choices=StockCategory.choices)
    units = models.PositiveIntegerField(_("units"))
    value = models.DecimalField(_("value at cost"), **MONEY)

    class Meta:
        ordering = ["-date", "store", "category"]
        verbose_name = _("inventory snapshot")
        verbose_name_plural = _("inventory snapshots")
        constraints = [
            models.UniqueConstraint(fields=["store", "category", "date"], name="facts_inventory_key"),
            *_non_negative("facts_inventory", "units", "value"),
        ]


class CostOfGoodsSold(Fact):
    month = models.DateField(_("month"), db_index=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    category = models.CharField(_("category"), max_length=10, choices=StockCategory.choices)
    units_sold = models.PositiveIntegerField(_("units sold"))
    amount = models.DecimalField(_("cost of goods sold"), **MONEY)

    class Meta:
        ordering = ["-month", "store", "category"]
        verbose_name = _("cost of goods sold")
        verbose_name_plural = _("costs of goods sold")
        constraints = [
            models.UniqueConstraint(fields=["store", "category", "month"], name="facts_cogs_key"),
            _first_of_month("facts_cogs"),
            *_non_negative("facts_cogs", "units_sold", "amount"),
        ]


DAYS = {"max_digits": 5, "decimal_places": 1}
ABSENCE_FIELDS = ("absent_sick", "absent_personal", "absent_unexcused", "absent_annual_leave", "absent_other")


class Attendance(Fact):
    """A person's scheduled working days in a month and the days absent, by reason. Unplanned absence
    (sick, personal, unexcused) and planned leave are kept apart: which counts is the KPI's choice."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    month = models.DateField(_("month"), db_index=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    scheduled_days = models.DecimalField(_("scheduled days"), **DAYS)
    absent_sick = models.DecimalField(_("sick days"), default=0, **DAYS)
    absent_personal = models.DecimalField(_("personal leave days"), default=0, **DAYS)
    absent_unexcused = models.DecimalField(_("unexcused absence days"), default=0, **DAYS)
    absent_annual_leave = models.DecimalField(_("annual leave days"), default=0, **DAYS)
    absent_other = models.DecimalField(_("other absence days"), default=0, **DAYS)

    class Meta:
        ordering = ["-month", "person"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="facts_attendance_key"),
            _first_of_month("facts_attendance"),
            *_non_negative("facts_attendance", "scheduled_days", *ABSENCE_FIELDS),
        ]


class EmployeeSurvey(Fact):
    """The result of an employee survey for a store (or one of its departments) in a month."""

    month = models.DateField(_("month"), db_index=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    department = models.CharField(
        _("department"), max_length=32, choices=Department.Kind.choices, blank=True, default=""
    )
    respondents = models.PositiveIntegerField(_("respondents"))
    esat_score = models.DecimalField(_("eSat score (0–100)"), max_digits=5, decimal_places=2)
    enps_promoters = models.PositiveIntegerField(_("eNPS promoters (9–10)"))
    enps_passives = models.PositiveIntegerField(_("eNPS passives (7–8)"))
    enps_detractors = models.PositiveIntegerField(_("eNPS detractors (0–6)"))

    class Meta:
        ordering = ["-month", "store", "department"]
        verbose_name = _("employee survey result")
        verbose_name_plural = _("employee survey results")
        constraints = [
            models.UniqueConstraint(fields=["store", "department", "month"], name="facts_employeesurvey_key"),
            _first_of_month("facts_employeesurvey"),
            models.CheckConstraint(
                condition=Q(esat_score__gte=0, esat_score__lte=100), name="facts_employeesurvey_esat_0_100"
            ),
            models.CheckConstraint(
                condition=Q(respondents__gte=F("enps_promoters") + F("enps_passives") + F("enps_detractors")),
                name="facts_employeesurvey_answers_lte_respondents",
            ),
        ]


class FinanceStatement(Fact):
    """A month's figures for one store, or for the company as a whole (no store)."""

    month = models.DateField(_("month"), db_index=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    revenue = models.DecimalField(_("revenue"), **MONEY)
    cogs = models.DecimalField(_("cost of goods sold"), **MONEY)
    operating_profit = models.DecimalField(_("operating profit"), **MONEY)
    net_income = models.DecimalField(_("net income"), **MONEY)
    operating_cash_flow = models.DecimalField(_("operating cash flow"), **MONEY)

    class Meta:
        ordering = ["-month", "store"]
        verbose_name = _("finance statement")
        verbose_name_plural = _("finance statements")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="facts_finance_key"),
            models.UniqueConstraint(
                fields=["month"], condition=Q(store__isnull=True), name="facts_finance_company_key"
            ),
            _first_of_month("facts_finance"),
            *_non_negative("facts_finance", "revenue", "cogs"),
        ]


class MarketSize(Fact):
    region = models.CharField(_("region"), max_length=64)
    month = models.DateField(_("month"), db_index=True)
    market_units = models.PositiveIntegerField(_("market units"))
    market_value = models.DecimalField(_("market value"), **MONEY)
    own_units = models.PositiveIntegerField(_("own units"))
    own_value = models.DecimalField(_("own value"), **MONEY)

    class Meta:
        ordering = ["-month", "region"]
        verbose_name = _("market size")
        verbose_name_plural = _("market sizes")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="facts_market_key"),
            _first_of_month("facts_market"),
            *_non_negative("facts_market", "market_value", "own_value"),
            _at_most("facts_market", "own_units", "market_units"),
            _at_most("facts_market", "own_value", "market_value"),
        ]


class ProductionRun(Fact):
    """One production line's day: the inputs of OEE (availability × performance × quality)."""

    line = models.CharField(_("line"), max_length=64)
    date = models.DateField(_("date"), db_index=True)
    planned_minutes = models.PositiveIntegerField(_("planned production time (min)"))
    run_minutes = models.PositiveIntegerField(_("run time (min)"))
    ideal_rate = models.DecimalField(_("ideal rate (units/min)"), max_digits=10, decimal_places=3)
    produced = models.PositiveIntegerField(_("units produced"))
    good = models.PositiveIntegerField(_("good units"))

    class Meta:
        ordering = ["-date", "line"]
        verbose_name = _("production run")
        verbose_name_plural = _("production runs")
        constraints = [
            models.UniqueConstraint(fields=["line", "date"], name="facts_production_key"),
            models.CheckConstraint(condition=Q(ideal_rate__gt=0), name="facts_production_ideal_rate_gt_0"),
            _at_most("facts_production", "run_minutes", "planned_minutes"),
            _at_most("facts_production", "good", "produced"),
        ]


class QualityInspection(Fact):
    class Stage(models.TextChoices):
        INCOMING = "incoming", _("incoming")
        IN_PROCESS = "in_process", _("in process")
        FINAL = "final", _("final")

    date = models.DateField(_("date"), db_index=True)
    product = models.CharField(_("product"), max_length=100)
    stage = models.CharField(_("inspection stage"), max_length=12, choices=Stage.choices)
    inspected = models.PositiveIntegerField(_("units inspected"))
    nonconforming = models.PositiveIntegerField(_("nonconforming units"))
    scrapped = models.PositiveIntegerField(_("units scrapped"))
    reworked = models.PositiveIntegerField(_("units reworked"))

    class Meta:
        ordering = ["-date", "product", "stage"]
        verbose_name = _("quality inspection")
        verbose_name_plural = _("quality inspections")
        constraints = [
            models.UniqueConstraint(fields=["product", "stage", "date"], name="facts_inspection_key"),
            _at_most("facts_inspection", "nonconforming", "inspected"),
            _at_most("facts_inspection", "scrapped", "nonconforming"),
            _at_most("facts_inspection", "reworked", "nonconforming"),
        ]


class QualityCost(Fact):
    class Category(models.TextChoices):
        PREVENTION = "prevention", _("prevention")
        APPRAISAL = "appraisal", _("appraisal")
        INTERNAL_FAILURE = "internal_failure", _("internal failure")
        EXTERNAL_FAILURE = "external_failure", _("external failure")

    month = models.DateField(_("month"), db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["-month", "category"]
        verbose_name = _("quality cost")
        verbose_name_plural = _("quality costs")
        constraints = [
            models.UniqueConstraint(fields=["category", "month"], name="facts_qualitycost_key"),
            _first_of_month("facts_qualitycost"),
            *_non_negative("facts_qualitycost", "amount"),
        ]


class SupplierAudit(Fact):
    supplier = models.CharField(_("supplier"), max_length=100)
    date = models.DateField(_("audit date"), db_index=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"))

    class Meta:
        ordering = ["-date", "supplier"]
        verbose_name = _("supplier audit")
        verbose_name_plural = _("supplier audits")
        constraints = [models.UniqueConstraint(fields=["supplier", "date"], name="facts_supplieraudit_key")]


class SupplierDelivery(Fact):
    """A supplier's deliveries received on one day: order lines (and how many on time) and units (and
    how many defective)."""

    supplier = models.CharField(_("supplier"), max_length=100)
    date = models.DateField(_("delivery date"), db_index=True)
    lines = models.PositiveIntegerField(_("order lines delivered"))
    lines_on_time = models.PositiveIntegerField(_("lines on time"))
    units = models.PositiveIntegerField(_("units delivered"))
    units_defective = models.PositiveIntegerField(_("defective units"))

    class Meta:
        ordering = ["-date", "supplier"]
        verbose_name = _("supplier delivery")
        verbose_name_plural = _("supplier deliveries")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "date"], name="facts_supplierdelivery_key"),
            _at_most("facts_supplierdelivery", "lines_on_time", "lines"),
            _at_most("facts_supplierdelivery", "units_defective", "units"),
        ]


class TrainingSession(Fact):
    code = models.CharField(_("session code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), db_index=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["-date", "code"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = _non_negative("facts_trainingsession", "pass_mark")


class TrainingResult(Fact):
    """One invited person of a session: whether they attended, their score, whether they passed."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="results", verbose_name=_("session")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    attended = models.BooleanField(_("attended"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"))

    class Meta:
        ordering = ["session", "person"]
        verbose_name = _("training result")
        verbose_name_plural = _("training results")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="facts_trainingresult_key"),
            models.CheckConstraint(
                condition=Q(attended=True) | Q(passed=False), name="facts_trainingresult_passed_attended"
            ),
        ]


class ControlledDocument(Fact):
    code = models.CharField(_("document code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    review_due = models.DateField(_("review due"), db_index=True)
    updated_on = models.DateField(_("last revised"), null=True, blank=True)

    class Meta:
        ordering = ["review_due", "code"]
        verbose_name = _("controlled document")
        verbose_name_plural = _("controlled documents")


class ImprovementProject(Fact):
    code = models.CharField(_("project code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    opened_on = models.DateField(_("opened"), db_index=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True, db_index=True)
    metric = models.CharField(_("target metric"), max_length=100, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    result_value = models.DecimalField(
        _("result value"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    savings = models.DecimalField(_("realised savings"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["-opened_on", "code"]
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="facts_improvementproject_closed_after_opened",
            ),
            *_non_negative("facts_improvementproject", "savings"),
        ]


class Certification(Fact):
    class Kind(models.TextChoices):
        CERTIFICATION = "certification", _("certification")
        AWARD = "award", _("award")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("empty = no expiry"))

    class Meta:
        ordering = ["-valid_from", "code"]
        verbose_name = _("certification or award")
        verbose_name_plural = _("certifications and awards")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="facts_certification_valid_until_after_from",
            )
        ]


class ServiceAudit(Fact):
    """A service compliance audit of a store: checklist items checked and found compliant."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    date = models.DateField(_("audit date"), db_index=True)
    items_checked = models.PositiveIntegerField(_("items checked"))
    items_compliant = models.PositiveIntegerField(_("items compliant"))
    auditor = models.CharField(_("auditor"), max_length=100, blank=True)

    class Meta:
        ordering = ["-date", "store"]
        verbose_name = _("service compliance audit")
        verbose_name_plural = _("service compliance audits")
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="facts_serviceaudit_key"),
            _at_most("facts_serviceaudit", "items_compliant", "items_checked"),
        ]


class QualityObjective(Fact):
    """A quality objective set for a month (the company's, or one store's) and how it came out. Met is
    as recorded, or when left empty, the actual value against the target in the objective's direction."""

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", _("at least the target")
        AT_MOST = "at_most", _("at most the target")

    month = models.DateField(_("month"), db_index=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    code = models.CharField(_("objective code"), max_length=40)
    name = models.CharField(_("objective"), max_length=200)
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=4)
    actual_value = models.DecimalField(
        _("actual value"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    met = models.BooleanField(_("met"), null=True, blank=True, help_text=_("empty = judged from the values"))

    class Meta:
        ordering = ["-month", "code"]
        verbose_name = _("quality objective")
        verbose_name_plural = _("quality objectives")
        constraints = [
            models.UniqueConstraint(fields=["store", "code", "month"], name="facts_qualityobjective_key"),
            models.UniqueConstraint(
                fields=["code", "month"],
                condition=Q(store__isnull=True),
                name="facts_qualityobjective_company_key",
            ),
            _first_of_month("facts_qualityobjective"),
        ]


class ServiceOpportunity(Fact):
    """A sales opportunity found in after-sales service (a service customer who may buy a vehicle, an
    upgrade, accessories or an extended warranty), and the day it became a sale, if it did."""

    class Kind(models.TextChoices):
        VEHICLE = "vehicle", _("vehicle")
        UPGRADE = "upgrade", _("upgrade")
        ACCESSORY = "accessory", _("accessory")
        EXTENDED_WARRANTY = "extended_warranty", _("extended warranty")

    code = models.CharField(_("opportunity code"), max_length=40, unique=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    created_on = models.DateField(_("created"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    converted_on = models.DateField(_("converted to a sale"), null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "code"]
        verbose_name = _("service opportunity")
        verbose_name_plural = _("service opportunities")
        constraints = [
            models.CheckConstraint(
                condition=Q(converted_on__isnull=True) | Q(converted_on__gte=F("created_on")),
                name="facts_serviceopportunity_converted_after_created",
            )
        ]
