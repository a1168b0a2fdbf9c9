from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HirersConfig(AppConfig):
    name = "apps.hirers"
    label = "hirers"
    verbose_name = _("Hirers")

    def ready(self) -> None:
        from apps.accounts.services import on_user_registered
        from apps.hirers.services import hirer_profile_create_on_registration

        on_user_registered(hirer_profile_create_on_registration)
