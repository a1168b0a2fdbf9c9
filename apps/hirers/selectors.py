"""Reads for hirers: profiles and saved workers."""

from apps.hirers.models import HirerKind, HirerProfile, SavedWorker


def hirer_profile_get(*, user) -> HirerProfile:
    """Return the hirer's profile; an unsaved empty one for accounts made before profiles existed."""
    return HirerProfile.objects.select_related("user").filter(user_id=user.pk).first() or HirerProfile(user=user)


def hirer_public_name(*, user) -> str:
    """Return the name shown on a hirer's jobs: the business name, else the first name."""
    profile = HirerProfile.objects.filter(user_id=user.pk).only("kind", "business_name").first()
    if profile is not None and profile.kind == HirerKind.BUSINESS and profile.business_name:
        return profile.business_name
    return user.get_short_name()


def saved_workers(*, hirer) -> list[SavedWorker]:
    return list(SavedWorker.objects.filter(hirer_id=hirer.pk).select_related("worker"))


def saved_worker_ids(*, hirer) -> set[int]:
    if hirer is None or not hirer.is_authenticated:
        return set()
    return set(SavedWorker.objects.filter(hirer_id=hirer.pk).values_list("worker_id", flat=True))
