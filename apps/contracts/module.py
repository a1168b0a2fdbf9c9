"""The contracts module: contracts and milestones.

It is not critical: when it fails or is switched off, other modules keep working.
Add this app's fragments below with @module.fragment (see docs/fault-tolerance.md).
"""

from django.utils.translation import gettext_lazy as _

from apps.modules.registry import Module, register

module = register(Module("contracts", verbose_name=_("Contracts")))
