"""Provider failure reasons mapped to stable codes and messages a payer can act on.

MTN MoMo names its reasons (NOT_ENOUGH_FUNDS, PAYER_NOT_FOUND...). Paystack reports a
free-text `gateway_response`, so it is matched on keywords to the same codes.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.payments.providers.base import Failure

GENERIC = "COULD_NOT_COMPLETE"

MESSAGES = {
    "NOT_ENOUGH_FUNDS": _("Your mobile money balance is too low for this payment. Top up your wallet and try again."),
    "COULD_NOT_PERFORM_TRANSACTION": _(
        "The payment was not approved in time. Try again and approve the prompt on your phone with your PIN."
    ),
    "PAYER_NOT_FOUND": _("No mobile money wallet was found for this number. Check the number and the network."),
    "PAYEE_NOT_FOUND": _("No mobile money wallet was found for this number. Check the number and the network."),
    "PAYER_LIMIT_REACHED": _(
        "This payment is above your wallet's limit. Try a smaller amount or contact your network."
    ),
    "SENDER_ACCOUNT_NOT_ACTIVE": _("This mobile money wallet is not active. Contact your network to activate it."),
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": _("This wallet cannot receive payments. Use another wallet."),
    "NOT_ALLOWED": _("Your network did not allow this payment. Contact your network or use another wallet."),
    "INTERNAL_PROCESSING_ERROR": _("The payment could not be completed. Check your balance and try again."),
    "APPROVAL_REJECTED": _("The payment was declined on the phone. Try again if you meant to pay."),
    "EXPIRED": _("The payment request expired before it was approved. Try again."),
    "INVALID_OTP": _("The code you entered is not correct. Check the voucher code and try again."),
    "ABANDONED": _("The payment was not completed. Try again."),
    "REVERSED": _("The payout was returned by the network. We will try again."),
    GENERIC: _("The payment could not be completed. Try again or use another wallet."),
}

# Keywords in Paystack's free-text gateway_response, checked in order.
_KEYWORDS = (
    ("insufficient", "NOT_ENOUGH_FUNDS"),
    ("not enough", "NOT_ENOUGH_FUNDS"),
    ("balance", "NOT_ENOUGH_FUNDS"),
    ("otp", "INVALID_OTP"),
    ("voucher", "INVALID_OTP"),
    ("declined", "APPROVAL_REJECTED"),
    ("rejected", "APPROVAL_REJECTED"),
    ("timeout", "EXPIRED"),
    ("timed out", "EXPIRED"),
    ("expired", "EXPIRED"),
    ("limit", "PAYER_LIMIT_REACHED"),
    ("not registered", "PAYER_NOT_FOUND"),
    ("not found", "PAYER_NOT_FOUND"),
    ("abandoned", "ABANDONED"),
)


def failure_for_code(code: str | None, provider_message: str = "") -> Failure:
    """Return the Failure for a provider reason code; unknown codes get the generic message."""
    key = (code or "").upper()
    if key == "REJECTED":
        key = "APPROVAL_REJECTED"
    if key in ("TIMEOUT", "TIMED_OUT"):
        key = "EXPIRED"
    if key not in MESSAGES:
        key = GENERIC
    return Failure(code=key, message=str(MESSAGES[key]), provider_message=provider_message or (code or ""))


def failure_for_text(text: str | None) -> Failure:
    """Return the Failure for free text such as Paystack's gateway_response."""
    lowered = (text or "").lower()
    for keyword, code in _KEYWORDS:
        if keyword in lowered:
            return failure_for_code(code, text or "")
    upper = (text or "").strip().upper()
    if upper in MESSAGES:
        return failure_for_code(upper, text or "")
    return failure_for_code(GENERIC, text or "")
