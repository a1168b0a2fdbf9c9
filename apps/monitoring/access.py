"""Access rules for the operators' pages: staff for /ops/, a token or an allowed address for /metrics.

Everyone else gets 404, so the pages do not reveal that they exist.
"""

import hmac
import ipaddress
import logging

from django.http import Http404

from apps.monitoring import conf

logger = logging.getLogger(__name__)


def require_staff(request) -> None:
    """Raise Http404 unless the request comes from an active staff member."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404


def _bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _address_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            logger.warning("KELMAH_METRICS_ALLOWED_IPS entry %r is not an address or network", entry)
    return False


def metrics_allowed(request) -> bool:
    """Return True for a matching bearer token or a client address on the allow-list.

    The address is REMOTE_ADDR, never X-Forwarded-For, which any client can forge.
    """
    settings = conf.get()
    token = _bearer_token(request)
    if settings.metrics_token and token and hmac.compare_digest(token.encode(), settings.metrics_token.encode()):
        return True
    return bool(settings.metrics_allowed_ips) and _address_allowed(
        request.META.get("REMOTE_ADDR", ""), settings.metrics_allowed_ips
    )
