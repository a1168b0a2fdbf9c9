"""Writes for hirers: the profile and saved workers."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.common.errors import NotAllowed, NotFound
from apps.common.ghana import Region
from apps.hirers.models import HirerKind, HirerProfile, SavedWorker

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("kind", "business_name", "region", "town", "about")


def hirer_profile_create_on_registration(*, user) -> None:
    """Registration hook: give every new hirer an empty profile inside the sign-up transaction."""
    if user.role == Role.HIRER:
        HirerProfile.objects.get_or_create(user=user)


def hirer_profile_update(*, user, **fields) -> HirerProfile:
    """Update the hirer's own profile; raise ValidationError keyed by field for bad values.

    A business profile needs a business name. Accounts that are not hirers raise NotAllowed.
    """
    if user.role != Role.HIRER:
        raise NotAllowed(_("Only hirer accounts have a hirer profile."), code="not_a_hirer")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})

    with transaction.atomic():
        profile, _created = HirerProfile.objects.select_for_update().get_or_create(user=user)
        for name, value in _clean(fields).items():
            setattr(profile, name, value)
        if profile.kind == HirerKind.BUSINESS and not profile.business_name:
            raise ValidationError({"business_name": [_("Enter your business name, or choose “Individual”.")]})
        profile.save()

    logger.info("hirer profile updated", extra={"user_id": user.pk, "fields": sorted(fields)})
    return profile


def _clean(fields: dict) -> dict:
    cleaned, errors = {}, {}
    limits = {"business_name": 120, "town": 80, "about": 2000}
    for name, value in fields.items():
        if name == "kind":
            if value not in HirerKind.values:
                errors[name] = [_("Choose individual or business.")]
            else:
                cleaned[name] = value
            continue
        if name == "region":
            if value not in ("", None, *Region.values):
                errors[name] = [_("Choose one of Ghana's 16 regions from the list.")]
            else:
                cleaned[name] = value or ""
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
        elif len(value.strip()) > limits[name]:
            errors[name] = [_("Too long: at most %(max)d characters.") % {"max": limits[name]}]
        else:
            cleaned[name] = value.strip()
    if errors:
        raise ValidationError(errors)
    return cleaned


def saved_worker_add(*, hirer, worker_id) -> SavedWorker:
    """Save a worker for later; saving one already saved returns the existing row.

    A user id that is not a worker raises NotFound.
    """
    if hirer.role != Role.HIRER:
        raise NotAllowed(_("Only hirer accounts can save workers."), code="not_a_hirer")
    worker = _worker_or_404(worker_id)
    try:
        with transaction.atomic():
            saved, created = SavedWorker.objects.get_or_create(hirer=hirer, worker=worker)
    except IntegrityError:
        # A double click raced past get_or_create's read; the other request saved it.
        saved, created = SavedWorker.objects.get(hirer=hirer, worker=worker), False
    if created:
        logger.info("worker saved", extra={"hirer_id": hirer.pk, "worker_id": worker.pk})
    return saved


def saved_worker_remove(*, hirer, worker_id) -> bool:
    """Remove a saved worker; return False when it was not saved (removing twice is harmless)."""
    deleted, _details = SavedWorker.objects.filter(hirer_id=hirer.pk, worker_id=_as_id(worker_id)).delete()
    return deleted > 0


def _worker_or_404(worker_id):
    worker = get_user_model().objects.filter(pk=_as_id(worker_id), role=Role.WORKER, is_active=True).first()
    if worker is None:
        raise NotFound(_("Worker not found."))
    return worker


def _as_id(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0
