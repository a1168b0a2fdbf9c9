"""The one place adapters send HTTP: the shared call policy, and error classification.

Every call goes through apps.resilience.policy under the dependency name
"provider:<adapter name>", which sets the (connect, read) timeouts and the deadline from
settings.RESILIENCE_OUTBOUND, retries idempotent calls with jittered backoff, and counts
each outcome on that provider's circuit breaker. Adapters get back a response (any
status below 500 except 429) or a ProviderUnavailable.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests

from apps.payments.providers.base import ProviderUnavailable
from apps.resilience.breakers import BreakerOpen
from apps.resilience.policy import OutboundUnavailable, policy_for

logger = logging.getLogger(__name__)


def dependency_name(provider: str) -> str:
    """Return the breaker and policy name for an adapter: "paystack" -> "provider:paystack"."""
    return f"provider:{provider}"


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

    `idempotent` sets whether the policy may repeat the request, and a write that carries
    our reference is idempotent because the provider deduplicates on it. Timeouts,
    refused connections, 5xx and 429 (after the policy's retries) and an open breaker all
    raise ProviderUnavailable, whose `code` says which.
    """
    name = dependency_name(provider)
    try:
        return policy_for(name).request(method, url, idempotent=idempotent, idempotency_key=idempotency_key, **kwargs)
    except BreakerOpen as error:
        logger.warning("Payment provider %s skipped: its breaker is %s", provider, error.state)
        raise ProviderUnavailable(str(error), provider=provider, code="breaker_open") from error
    except OutboundUnavailable as error:
        status_code = error.response.status_code if error.response is not None else None
        code = _failure_code(error.reason, status_code)
        reason = mask_numbers(error.reason)
        logger.warning(
            "Payment provider %s failed on %s %s after %d attempt(s): %s",
            provider,
            method,
            _path(url),
            error.attempts,
            reason,
            extra={"provider": provider, "status_code": status_code, "attempts": error.attempts},
        )
        raise ProviderUnavailable(
            f"{provider} failed on {method} {_path(url)}: {reason}",
            provider=provider,
            code=code,
            status_code=status_code,
        ) from error
    except OSError as error:
        # Transport errors the policy does not retry, such as an injected fault.
        reason = mask_numbers(str(error))
        logger.warning("Payment provider %s failed on %s %s: %s", provider, method, _path(url), reason)
        raise ProviderUnavailable(
            f"{provider} failed on {method} {_path(url)}: {reason}", provider=provider, code="connection_error"
        ) from error


def _failure_code(reason: str, status_code: int | None) -> str:
    if status_code == 429:
        return "rate_limited"
    if status_code is not None:
        return "server_error"
    if "Timeout" in reason or "deadline" in reason:
        return "timeout"
    return "connection_error"


def _path(url: str) -> str:
    """Return the URL's path for logs: no host or query string, and phone numbers masked."""
    path = url.split("://", 1)[-1].split("?", 1)[0]
    return mask_numbers("/" + path.split("/", 1)[1] if "/" in path else "/")


def mask_numbers(text: str) -> str:
    """Hide all but the last three digits of every run of 9 or more digits (phone numbers).

    MoMo puts the wallet's MSISDN in some paths, and requests repeats the URL in its
    error messages, so both pass through here before they are logged.
    """
    return re.sub(r"[0-9]{9,}", lambda found: "*" * (len(found.group()) - 3) + found.group()[-3:], text)
