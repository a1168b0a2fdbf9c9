from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HirersConfig(AppConfig):
    name = "apps.hirers"
    label = "hirers"
    verbose_name = _("Hirers")
