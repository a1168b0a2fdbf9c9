"""Links to other apps' pages that may not exist yet, such as the worker profile."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def worker_profile_url(user_id) -> str:
    """Return the worker's profile URL, or "" while the workers app has no profile page."""
    try:
        return reverse("workers:profile", kwargs={"user_id": user_id})
    except NoReverseMatch:
        return ""
