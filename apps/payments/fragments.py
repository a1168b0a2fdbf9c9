"""Dashboard fragments for payments; the modules layer's boundary contains their failures."""

from django.template.loader import render_to_string

from apps.payments import selectors


def wallet_summary(request) -> str:
    """Render the user's escrow, payable, in-transit and refund balances (four sums)."""
    context = {"summary": selectors.wallet_summary(request.user)}
    return render_to_string("payments/fragments/wallet_summary.html", context, request=request)
