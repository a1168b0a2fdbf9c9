"""The contracts module: contracts and milestones.

It is not critical: when it fails or is switched off, other modules keep working.
Its dashboard fragments live in apps/contracts/fragments.py.
"""

from django.utils.translation import gettext_lazy as _

from apps.contracts import fragments
from apps.modules.registry import Module, register

module = register(Module("contracts", verbose_name=_("Contracts")))

module.add_fragment("milestones_to_act_on", fragments.milestones_to_act_on, label=_("contracts waiting for you"))
