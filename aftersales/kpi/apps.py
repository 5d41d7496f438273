from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "aftersales.kpi"
    label = "kpi"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        from aftersales.kpi import checks  # noqa: F401  (registers the system checks)
