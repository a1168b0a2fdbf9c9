"""Ghana phone numbers: parse any common written form and store E.164 (+233XXXXXXXXX)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mobile network prefixes (after the trunk 0). Number portability since 2011 means a
# prefix is only a hint for pre-selecting the network, never proof of it.
NETWORK_PREFIXES = {
    "mtn": ("24", "25", "53", "54", "55", "59"),
    "telecel": ("20", "50"),
    "at": ("23", "26", "27", "56", "57"),
}


def normalize_ghana_phone(value: str) -> str:
    """Return the E.164 form of a Ghanaian mobile or fixed number, or raise ValidationError."""
    text = (value or "").strip()
    if not text or len(text) > 20:
        raise ValidationError(_("Enter a Ghana phone number such as 024 123 4567 or +233 24 123 4567."), code="invalid")
    try:
        number = phonenumbers.parse(text, "GH")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number. Use a Ghana number such as 024 123 4567."),
            code="invalid",
            params={"value": text},
        ) from None
    if number.country_code != 233 or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid Ghana phone number. Use a number such as 024 123 4567."),
            code="invalid",
            params={"value": text},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def guess_network(e164: str) -> str | None:
    """Return the network a number was first issued to ('mtn', 'telecel', 'at'), or None."""
    if not e164.startswith("+233") or len(e164) != 13:
        return None
    prefix = e164[4:6]
    for network, prefixes in NETWORK_PREFIXES.items():
        if prefix in prefixes:
            return network
    return None


def mask_phone(e164: str) -> str:
    """Return the number with all but the last three digits hidden, for logs and previews."""
    if not e164:
        return ""
    return e164[:4] + "*" * max(len(e164) - 7, 0) + e164[-3:]
