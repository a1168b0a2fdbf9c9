"""The jobs module: job posts, search, applications and awarding.

It is not critical: when it fails or is switched off, other modules keep working.
Its dashboard fragments live in apps/jobs/fragments.py and are registered here, so the
dashboard renders them through the modules layer's boundary.
"""

from django.utils.translation import gettext_lazy as _

from apps.jobs import fragments
from apps.modules.registry import Module, register

module = register(Module("jobs", verbose_name=_("Jobs")))

module.add_fragment(
    "worker_applications",
    fragments.worker_applications,
    slot="worker_dashboard",
    order=20,
    label=_("Your applications"),
)
module.add_fragment(
    "recommended_jobs", fragments.recommended_jobs, slot="worker_dashboard", order=30, label=_("Jobs for you")
)
module.add_fragment(
    "hirer_jobs_by_state", fragments.hirer_jobs_by_state, slot="hirer_dashboard", order=20, label=_("Your jobs")
)
module.add_fragment(
    "newest_applicants", fragments.newest_applicants, slot="hirer_dashboard", order=30, label=_("New applicants")
)
