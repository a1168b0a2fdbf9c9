"""SMS gateways: one interface, a console gateway for the embedded default, an HTTP one for production.

Every gateway raises SmsTemporaryError for failures worth retrying (timeouts, refused
connections, 5xx, 429) and SmsRejected for ones that will fail again (a bad number, bad
credentials), so the delivery code can decide without knowing the provider.
"""

import logging
from typing import Protocol

import requests
from django.utils.module_loading import import_string

from apps.common.phone import mask_phone
from apps.modules.faults import inject
from apps.notifications import conf
from apps.resilience.breakers import BreakerOpen
from apps.resilience.policy import OutboundUnavailable, policy_for

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsTemporaryError(SmsError):
    """The gateway could not be reached or is overloaded; try again later."""


class SmsRejected(SmsError):
    """The gateway refused this message; retrying will not help."""


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Send `text` to the E.164 number `to`; return the provider's message id.

        `reference` is unique per delivery, so a provider that de-duplicates on it never
        sends one delivery twice.
        """


class ConsoleSmsGateway:
    """Log the masked number and the text instead of sending; for the embedded default."""

    def send(self, *, to: str, text: str, reference: str) -> str:
        try:
            inject("sms")
        except ConnectionError as error:  # An operator's fault drill ("faults set sms raise").
            raise SmsTemporaryError(f"SMS gateway unreachable: {error}") from error
        logger.info("SMS to %s: %s", mask_phone(to), text, extra={"reference": reference})
        return f"console-{reference}"


class HttpSmsGateway:
    """A Hubtel-style JSON API: POST {From, To, Content, ClientReference} with basic auth.

    The URL, credentials and sender id come from the KELMAH_SMS_* settings; timeouts and
    retries from the "sms" entry of RESILIENCE_OUTBOUND.
    """

    def send(self, *, to: str, text: str, reference: str) -> str:
        payload = {"From": conf.get("KELMAH_SMS_SENDER"), "To": to, "Content": text, "ClientReference": reference}
        try:
            # The "sms" policy sets the timeouts, retries with the reference as idempotency
            # key, and fails fast while the "sms" breaker is open.
            response = policy_for("sms").request(
                "POST",
                conf.get("KELMAH_SMS_API_URL"),
                idempotent=False,
                idempotency_key=reference,
                json=payload,
                auth=(conf.get("KELMAH_SMS_CLIENT_ID"), conf.get("KELMAH_SMS_CLIENT_SECRET")),
            )
        except BreakerOpen as error:
            raise SmsTemporaryError("SMS gateway breaker open") from error
        except OutboundUnavailable as error:
            raise SmsTemporaryError(f"SMS gateway unreachable: {error}") from error
        except requests.RequestException as error:
            raise SmsTemporaryError(f"SMS gateway unreachable: {type(error).__name__}") from error

        if response.status_code == 429 or response.status_code >= 500:
            raise SmsTemporaryError(f"SMS gateway returned HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SmsRejected(f"SMS gateway rejected the message with HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        message_id = (body.get("messageId") or body.get("MessageId")) if isinstance(body, dict) else None
        return str(message_id or reference)[:100]


def get_gateway() -> SmsGateway:
    return import_string(conf.get("KELMAH_SMS_BACKEND"))()
