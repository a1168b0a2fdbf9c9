"""The messaging module: conversations and messages.

It is not critical: when it fails or is switched off, other modules keep working.
Fragments: "unread_count" (navigation counter), "job_thread" (the messages box on a job's
page, lazy, with job_id) and "start_button" (a "Message" button for a worker's profile or a
job's applicant, with worker_id and optionally job_id).
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.common.errors import NotFound
from apps.messaging import lookups, realtime, selectors
from apps.modules.registry import HealthResult, Module, register


def channel_layer_health() -> HealthResult:
    """Check that a group send on the channel layer completes; "warn" when not, as messages still work."""
    if realtime.probe_channel_layer():
        return HealthResult("ok", "channel layer answers")
    return HealthResult("warn", "channel layer unreachable; messages are stored and delivered by polling")


module = register(Module("messaging", verbose_name=_("Messages"), health_check=channel_layer_health))


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


@module.fragment("start_button", label=_("message this worker"))
def start_button(request, *, worker_id, job_id=None):
    """Render a "Message" button for a hirer on a worker's profile or on a job's applicant list.

    Renders nothing for anyone who may not start that conversation.
    """
    if getattr(request.user, "role", None) != "hirer" or request.user.pk == worker_id:
        raise Http404
    if job_id is not None:
        try:
            job = lookups.job_for_conversation(job_id=job_id, user=request.user)
        except NotFound:
            raise Http404 from None
        if job.hirer_id != request.user.pk:
            raise Http404
    return "messaging/fragments/start_button.html", {"worker_id": worker_id, "job_id": job_id}
