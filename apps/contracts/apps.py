from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "apps.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from apps.contracts.services import register_accept_hook

        register_accept_hook()
