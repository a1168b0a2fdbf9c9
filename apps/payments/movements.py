"""Display of a movement of a user's own money: a signed GH₵ amount and the commission kept on it."""

from apps.common.money import format_ghs
from apps.payments.models import TransactionKind

# Postings whose metadata names the platform fee taken from the worker's share.
FEE_KINDS = frozenset({TransactionKind.RELEASE, TransactionKind.DISPUTE_SPLIT})


def format_signed_ghs(pesewas: int) -> str:
    """Format a change of money with its sign: '+GH₵ 207.45', '-GH₵ 230.50', 'GH₵ 0.00'."""
    return f"+{format_ghs(pesewas)}" if pesewas > 0 else format_ghs(pesewas)


def movement_platform_fee(posted) -> int | None:
    """Return the commission kept on a release to the worker whose list holds `posted`, else None."""
    if posted.kind not in FEE_KINDS or not getattr(posted, "payable_change", 0):
        return None
    return int(posted.metadata.get("platform_fee", 0))
