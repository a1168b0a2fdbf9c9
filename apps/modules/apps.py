from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModulesConfig(AppConfig):
    name = "apps.modules"
    label = "modules"
    verbose_name = _("Modules")

    def ready(self):
        from apps.modules import checks, registry

        checks.register_checks()
        registry.autodiscover()
