"""The hirers module: hirer profiles, saved workers and job management.

It is not critical: when it fails or is switched off, other modules keep working.
The hirer dashboard embeds its fragment with {% fragment "hirers" "saved_workers" %}.
"""

from django.utils.translation import gettext_lazy as _

from apps.hirers import fragments
from apps.modules.registry import Module, register

module = register(Module("hirers", verbose_name=_("Hirer profiles")))

module.add_fragment("saved_workers", fragments.saved_workers, label=_("saved workers"))
