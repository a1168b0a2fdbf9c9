"""The provider webhook endpoint: verify over the raw body, store once, answer 200 quickly."""

import logging

from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.payments.providers import PROVIDER_NAMES
from apps.payments.webhooks import WebhookRejected, webhook_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["POST", "PUT"])
def webhook(request, provider_name):
    """Accept a delivery from `provider_name` (MTN MoMo sends PUT as well as POST)."""
    if provider_name not in PROVIDER_NAMES:
        return HttpResponseNotFound()
    try:
        webhook_receive(provider_name=provider_name, headers=request.headers, body=request.body)
    except WebhookRejected as error:
        logger.warning("webhook rejected", extra={"provider": provider_name, "code": error.code})
        return HttpResponseBadRequest(error.code, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
