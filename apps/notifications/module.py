"""The notifications module: in-app, SMS and email notifications.

It is not critical: when it fails or is switched off, other modules keep working.
Fragment: "unread_count" (the bell in the navigation).
"""

from django.utils.translation import gettext_lazy as _

from apps.modules.registry import Module, register
from apps.notifications import selectors

module = register(Module("notifications", verbose_name=_("Notifications")))


@module.fragment(
    "unread_count",
    slot="nav_counters",
    order=20,
    degraded_template="notifications/fragments/bell_degraded.html",
    maintenance_template="notifications/fragments/bell_degraded.html",
)
def unread_count(request):
    return "notifications/bell.html", {"notification_unread_count": selectors.unread_count(request.user)}
