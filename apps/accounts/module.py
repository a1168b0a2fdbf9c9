"""The accounts module: sign-up, login and the user's identity; nothing works without it.

It is critical: it cannot be switched off.
Add this app's fragments below with @module.fragment (see docs/fault-tolerance.md).
"""

from django.utils.translation import gettext_lazy as _

from apps.modules.registry import Module, register

module = register(Module("accounts", verbose_name=_("Accounts"), critical=True))
