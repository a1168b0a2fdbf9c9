"""Money is integer pesewas (1 GHS = 100 pesewas) everywhere; these helpers convert at the edges."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Largest amount any form or API accepts: GH₵ 10,000,000.00, far above a vocational job,
# and well inside a 64-bit integer of pesewas.
MAX_PESEWAS = 1_000_000_000


def cedis_to_pesewas(value: object) -> int:
    """Convert a cedi amount ("150", "150.5", Decimal, int) to pesewas, or raise ValidationError."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(_("Enter an amount in cedis, such as 150 or 150.50."), code="invalid")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("“%(value)s” is not an amount. Enter cedis, such as 150 or 150.50."),
            code="invalid",
            params={"value": value},
        ) from None
    if not amount.is_finite():
        raise ValidationError(_("Enter a finite amount in cedis."), code="invalid")
    if amount.as_tuple().exponent < -2:
        raise ValidationError(_("Amounts have at most two decimal places (pesewas)."), code="invalid")
    pesewas = int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))
    if pesewas < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if pesewas > MAX_PESEWAS:
        raise ValidationError(_("The amount is too large; the maximum is GH₵ 10,000,000.00."), code="too_large")
    return pesewas


def pesewas_to_cedis(pesewas: int) -> Decimal:
    return (Decimal(pesewas) / 100).quantize(Decimal("0.01"))


def format_ghs(pesewas: int | None) -> str:
    """Format pesewas as 'GH₵ 1,234.50'; None renders as an empty string."""
    if pesewas is None:
        return ""
    sign = "-" if pesewas < 0 else ""
    cedis = pesewas_to_cedis(abs(pesewas))
    return f"{sign}GH₵ {cedis:,.2f}"
