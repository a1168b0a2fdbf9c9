from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self):
        from apps.common import converters

        # Registered here, before any URL map loads, so every app's urls.py can use <id:...>.
        converters.register()
