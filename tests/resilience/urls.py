"""Endpoints used only by the idempotency tests; they create outbox rows through enqueue()."""

import json
import time

from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from apps.resilience.outbox import enqueue


@csrf_exempt
def create_note(request):
    """Store a note (as an outbox row) and return 201 with its id; ?slow=<s> delays the response."""
    if request.content_type == "application/json":
        try:
            text = json.loads(request.body)["text"]
        except (ValueError, KeyError, TypeError):
            return HttpResponseBadRequest("text is required")
    else:
        text = request.POST.get("text", "")
    message = enqueue("tests.note", kwargs={"text": str(text)})
    time.sleep(float(request.GET.get("slow", 0)))
    if request.content_type == "application/json":
        return JsonResponse({"id": message.pk}, status=201)
    return HttpResponseRedirect(f"/notes/{message.pk}/")


@csrf_exempt
def broken(request):
    enqueue("tests.note", kwargs={"text": "half done"})
    raise RuntimeError("the view failed")


urlpatterns = [
    path("notes/", create_note),
    path("broken/", broken),
    path("", include("kelmah.urls")),
]
