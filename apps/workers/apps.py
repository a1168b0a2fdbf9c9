from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "apps.workers"
    label = "workers"
    verbose_name = _("Workers")

    def ready(self) -> None:
        from apps.accounts.services import on_user_registered
        from apps.workers.services import worker_profile_create

        on_user_registered(worker_profile_create)
