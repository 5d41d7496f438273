from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "aftersales.service"
    label = "service"
    verbose_name = _("service")

    def ready(self) -> None:
        from aftersales.service import checks  # noqa: F401  (registers the system checks)
