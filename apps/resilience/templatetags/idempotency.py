"""`{% idempotency_field %}`: a hidden input with a fresh idempotency key for a form.

Put it inside every form that creates something. A double submit, a reload of the
result or an offline replay then repeats the same key, and the server replays the
first response instead of creating a second record.
"""

from django import template
from django.utils.html import format_html

from apps.resilience.idempotency import FORM_FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field() -> str:
    """Render <input type="hidden" name="idempotency_key" value="...">."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, new_key())
