from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResilienceConfig(AppConfig):
    name = "apps.resilience"
    label = "resilience"
    verbose_name = _("Resilience")

    def ready(self) -> None:
        from apps.resilience import checks  # noqa: F401  (registers the system checks)
        from kelmah.celery import ensure_broker_folders

        ensure_broker_folders()
