from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from apps.common.phone import normalize_ghana_phone


def find_user_by_login(login: str):
    """Return the active-or-not user whose email or phone matches `login`, or None."""
    User = get_user_model()
    text = (login or "").strip()
    if not text:
        return None
    if "@" in text:
        return User.objects.filter(email__iexact=text).first()
    try:
        phone = normalize_ghana_phone(text)
    except ValidationError:
        return None
    return User.objects.filter(phone=phone).first()


class EmailOrPhoneBackend(ModelBackend):
    """Authenticate with an email address or a Ghana phone number in any common form."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username if username is not None else kwargs.get("email")
        if login is None or password is None:
            return None
        user = find_user_by_login(login)
        if user is None:
            # Run the hasher anyway so response time does not reveal whether the account exists.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials: dict) -> str:
    """Return the key django-axes counts failures under: the account's email when it exists.

    Logging in by email and by phone must share one failure counter, or an attacker could
    double the number of guesses by alternating the two forms.
    """
    login = (credentials or {}).get("username") or ""
    user = find_user_by_login(login)
    return user.email if user is not None else login.strip().lower()
