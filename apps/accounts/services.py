import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from apps.accounts.models import Role, User
from apps.common.errors import DomainError
from apps.common.phone import mask_phone

logger = logging.getLogger(__name__)

# Signed-up roles; staff accounts are created by operators, never through registration.
SELF_SERVICE_ROLES = (Role.WORKER, Role.HIRER)

_role_hooks: list = []


def on_user_registered(hook) -> None:
    """Register `hook(user=...)`, run inside the registration transaction (profile creation)."""
    _role_hooks.append(hook)


def user_register(*, email: str, phone: str, full_name: str, role: str, password: str) -> User:
    """Create an account and its role profile in one transaction.

    `phone` must already be E.164 and `email` lower-cased (the form and serializer do both).
    Raises DomainError when the email or phone is taken, including under a concurrent race.
    """
    if role not in SELF_SERVICE_ROLES:
        raise DomainError("Choose whether you want to work or to hire.", code="invalid_role", field="role")

    UserModel = get_user_model()
    try:
        with transaction.atomic():
            user = UserModel.objects.create_user(
                email=email, phone=phone, full_name=full_name.strip(), role=role, password=password
            )
            for hook in _role_hooks:
                hook(user=user)
    except IntegrityError:
        # Two sign-ups with the same email or phone raced past the form's uniqueness check.
        raise DomainError("An account with this email or phone number already exists.", code="duplicate") from None

    logger.info("user registered", extra={"user_id": user.pk, "role": role, "phone": mask_phone(user.phone)})
    return user
