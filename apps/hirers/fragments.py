"""Dashboard fragments of the hirers app: plain functions of (request) returning HTML."""

from django.template.loader import render_to_string

from apps.hirers import selectors

SAVED_WORKERS_LIMIT = 5


def saved_workers(request, *, limit: int = SAVED_WORKERS_LIMIT) -> str:
    """Render the hirer's most recently saved workers, with trade and town from the workers app."""
    from apps.workers.selectors import worker_summaries

    saved = selectors.saved_workers(hirer=request.user)
    summaries = worker_summaries([entry.worker_id for entry in saved[:limit]])
    rows = [(entry, summaries.get(entry.worker_id)) for entry in saved[:limit]]
    context = {"rows": rows, "total": len(saved)}
    return render_to_string("hirers/fragments/saved_workers.html", context, request=request)
