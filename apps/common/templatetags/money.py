from django import template

from apps.common.money import format_ghs, pesewas_to_cedis

register = template.Library()


@register.filter
def ghs(pesewas: int | None) -> str:
    """Render pesewas as GH₵ with two decimals: {{ job.budget_min|ghs }}."""
    return format_ghs(pesewas)


@register.filter
def cedis(pesewas: int | None) -> str:
    """Render pesewas as a plain cedi number for form inputs: 150.00."""
    return "" if pesewas is None else str(pesewas_to_cedis(pesewas))
