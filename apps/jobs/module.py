"""The jobs module: job posts, search, applications and awarding.

It is not critical: when it fails or is switched off, other modules keep working.
Its dashboard fragments live in apps/jobs/fragments.py; the dashboards embed them by
name, for example {% fragment "jobs" "recommended_jobs" %}.
"""

from django.utils.translation import gettext_lazy as _

from apps.jobs import fragments
from apps.modules.registry import Module, register

module = register(Module("jobs", verbose_name=_("Jobs")))

module.add_fragment("worker_applications", fragments.worker_applications, label=_("your applications"))
module.add_fragment("recommended_jobs", fragments.recommended_jobs, label=_("jobs for you"))
module.add_fragment("hirer_jobs_by_state", fragments.hirer_jobs_by_state, label=_("your jobs"))
module.add_fragment("newest_applicants", fragments.newest_applicants, label=_("new applicants"))
module.add_fragment("home_listings", fragments.home_listings, login_required=False, label=_("job listings"))
