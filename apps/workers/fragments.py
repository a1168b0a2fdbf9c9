"""Pieces of the workers app that other pages embed through a fragment boundary.

Each fragment takes the request and returns a (template, context) pair. The boundary in
apps.modules renders it, contains its failures and shows the degraded partial instead.
A fragment that does not apply to the user raises Http404, which the boundary turns into
an empty render rather than a failure.
"""

from django.http import Http404

from apps.workers import selectors


def profile_completeness(request):
    """Render the worker's profile checklist and percent complete, with a link to fix what is missing."""
    profile = selectors.worker_profile_for_user(request.user)
    if profile is None:
        raise Http404("Only workers have a profile checklist.")
    completeness = selectors.profile_completeness(profile)
    return "workers/fragments/profile_completeness.html", {"profile": profile, "completeness": completeness}


def worker_card(request, *, user_id: int):
    """Render a worker's public card (trade, town, rating) for pages that list workers, such as saved workers."""
    try:
        profile = selectors.worker_public_profile(user_id=user_id)
    except selectors.NotFound:
        raise Http404("Worker not found.") from None
    return "workers/includes/worker_card.html", {"worker": profile}
