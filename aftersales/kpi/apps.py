from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite has no percentile_cont: give each new SQLite connection the engine's own (infrastructure
    for `kpi.engine.Percentile`, like a database extension; no business flow)."""
    if connection.vendor == "sqlite":
        from aftersales.kpi.engine import SqlitePercentile

        connection.connection.create_aggregate("kpi_percentile", 2, SqlitePercentile)


class KpiConfig(AppConfig):
    name = "aftersales.kpi"
    label = "kpi"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        from aftersales.kpi import checks  # noqa: F401  (registers the system checks)

        connection_created.connect(register_sqlite_functions, dispatch_uid="kpi_sqlite_functions")
