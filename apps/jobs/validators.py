"""Input rules for job fields, shared by the services (the authority), the forms and the API."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import Region, Trade

# A GhanaPostGPS digital address: a two-letter region and district prefix, an area number
# of three or four digits and a four-digit unique code, for example GA-183-8164.
GPS_CODE_PATTERN = re.compile(r"^([A-Z]{2})[-\s]?(\d{3,4})[-\s]?(\d{4})$")

# Smallest budget or proposal anyone may enter: GH₵ 1.00.
MIN_AMOUNT_PESEWAS = 100


def normalize_gps_code(value: str) -> str:
    """Return the code as AA-NNN-NNNN, or raise ValidationError saying what a valid code looks like."""
    cleaned = (value or "").strip().upper()
    if not cleaned:
        return ""
    match = GPS_CODE_PATTERN.match(cleaned)
    if match is None:
        raise ValidationError(
            _("“%(value)s” is not a GhanaPostGPS code. Enter it like GA-183-8164: two letters, then numbers."),
            code="invalid_gps_code",
            params={"value": value},
        )
    return "-".join(match.groups())


def validate_trade(value: str) -> None:
    if value not in Trade.values:
        raise ValidationError(_("Choose a trade from the list."), code="unknown_trade")


def validate_region(value: str) -> None:
    if value not in Region.values:
        raise ValidationError(_("Choose one of Ghana's 16 regions from the list."), code="unknown_region")


def validate_start_date(value: date | None) -> None:
    if value is not None and value < timezone.localdate():
        raise ValidationError(_("The start date is in the past. Choose today or a later date."), code="past_date")


def validate_budget(budget_min: int | None, budget_max: int | None) -> None:
    """Check a budget in pesewas: both ends present together, at least GH₵ 1, minimum not above maximum."""
    if budget_min is None and budget_max is None:
        return
    if budget_min is None or budget_max is None:
        raise ValidationError(_("Enter both the lowest and the highest amount."), code="incomplete_budget")
    if budget_min < MIN_AMOUNT_PESEWAS:
        raise ValidationError(_("The budget must be at least GH₵ 1.00."), code="budget_too_small")
    if budget_min > budget_max:
        raise ValidationError(
            _("The lowest amount is higher than the highest amount. Swap them or correct one."),
            code="budget_range_reversed",
        )
