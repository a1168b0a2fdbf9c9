"""The messaging module: conversations and messages.

It is not critical: when it fails or is switched off, other modules keep working.
Fragments: "unread_count" (navigation counter) and "job_thread" (the messages box on a
job's page, lazy, with job_id).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.common.errors import NotFound
from apps.messaging import lookups, selectors
from apps.modules.registry import Module, register

module = register(Module("messaging", verbose_name=_("Messages")))


@module.fragment(
    "unread_count",
    slot="nav_counters",
    order=10,
    degraded_template="messaging/fragments/unread_count_degraded.html",
    maintenance_template="messaging/fragments/unread_count_degraded.html",
)
def unread_count(request):
    return "messaging/fragments/unread_count.html", {"count": selectors.unread_total(user=request.user)}


@module.fragment("job_thread", lazy=True, params={"job_id": int}, label=_("messages about this job"))
def job_thread(request, *, job_id):
    """Render the current user's conversations about one job: the hirer's list, or the applicant's own."""
    try:
        job = lookups.job_for_conversation(job_id=job_id, user=request.user)
    except NotFound:
        raise Http404 from None
    conversations = list(selectors.job_conversations_for_user(job=job, user=request.user))
    can_start = request.user.pk != job.hirer_id and selectors.worker_may_message_about(job=job, user=request.user)
    if not conversations and not can_start:
        raise Http404
    for conversation in conversations:
        conversation.other = conversation.other_party(request.user)
    return "messaging/fragments/job_thread.html", {"job": job, "conversations": conversations, "can_start": can_start}
