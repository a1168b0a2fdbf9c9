"""The one place adapters send HTTP: timeouts, breaker accounting and error classification.

Adapters call `send()` and get either a response (any status below 500 except 429) or
a ProviderUnavailable. Outbound calls go through the shared call policy
(apps.resilience.policy) when it is installed, which adds the per-provider breaker and
bounded retries for idempotent calls; until then they go straight through requests with
explicit connect and read timeouts.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings

from apps.payments.providers.base import ProviderUnavailable

logger = logging.getLogger(__name__)


def _request(method: str, url: str, *, idempotent: bool, idempotency_key: str | None, **kwargs: Any):
    """Send the request with the configured (connect, read) timeouts.

    TODO: route through apps.resilience.policy.policy_for(f"provider:{name}") once the
    shared call policy lands, for the per-provider breaker and bounded retries.
    """
    timeouts = settings.KELMAH_PAYMENT_HTTP_TIMEOUTS
    headers = dict(kwargs.pop("headers", None) or {})
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return requests.request(method, url, headers=headers, timeout=tuple(timeouts), **kwargs)


def send(
    provider: str,
    method: str,
    url: str,
    *,
    idempotent: bool,
    idempotency_key: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request for `provider` and return its response, or raise ProviderUnavailable.

    `idempotent` tells the policy whether it may repeat the request; a write that carries
    our reference is idempotent because the provider deduplicates on it. Responses with
    status 5xx or 429 raise ProviderUnavailable, since they count against the breaker.
    """
    try:
        response = _request(method, url, idempotent=idempotent, idempotency_key=idempotency_key, **kwargs)
    except requests.Timeout as error:
        logger.warning("Payment provider %s timed out on %s %s", provider, method, _path(url))
        raise ProviderUnavailable(
            f"{provider} timed out on {method} {_path(url)}: {error}", provider=provider, code="timeout"
        ) from error
    except requests.ConnectionError as error:
        logger.warning("Payment provider %s unreachable on %s %s", provider, method, _path(url))
        raise ProviderUnavailable(
            f"{provider} unreachable on {method} {_path(url)}: {error}", provider=provider, code="connection_error"
        ) from error
    except requests.RequestException as error:
        logger.warning("Payment provider %s request failed on %s %s: %s", provider, method, _path(url), error)
        raise ProviderUnavailable(
            f"{provider} request failed on {method} {_path(url)}: {error}", provider=provider, code="request_error"
        ) from error

    if response.status_code >= 500 or response.status_code == 429:
        logger.warning(
            "Payment provider %s answered %s on %s %s",
            provider,
            response.status_code,
            method,
            _path(url),
            extra={"provider": provider, "status_code": response.status_code},
        )
        raise ProviderUnavailable(
            f"{provider} answered {response.status_code} on {method} {_path(url)}",
            provider=provider,
            code="server_error" if response.status_code >= 500 else "rate_limited",
            status_code=response.status_code,
        )
    return response


def _path(url: str) -> str:
    """Return the URL without scheme and host, so logs never carry query secrets or hosts."""
    path = url.split("://", 1)[-1]
    return "/" + path.split("/", 1)[1] if "/" in path else "/"
