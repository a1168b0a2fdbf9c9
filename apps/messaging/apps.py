from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from apps.messaging import conf, signals  # noqa: F401  (connects the logout receiver)

        conf.check()
