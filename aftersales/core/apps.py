from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from aftersales.core.reference import install_triggers

        # Schema, not business flow: after every migrate, each reference table has its trigger.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="core_reference_triggers")
