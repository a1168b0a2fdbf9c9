"""The workers module: worker profiles and the worker directory.

It is not critical: when it fails or is switched off, other modules keep working.
Its fragments are defined in apps/workers/fragments.py and registered here.
"""

from django.utils.translation import gettext_lazy as _

from apps.modules.registry import Module, register
from apps.workers import fragments

module = register(Module("workers", verbose_name=_("Worker profiles")))

module.add_fragment("profile_completeness", fragments.profile_completeness, label=_("Profile checklist"))
module.add_fragment("worker_card", fragments.worker_card, login_required=False, label=_("Worker card"))
