"""Reads for hirers: profiles and saved workers."""

from apps.hirers.models import HirerProfile, SavedWorker


def hirer_profile_get(*, user) -> HirerProfile:
    """Return the hirer's profile; an unsaved empty one for accounts made before profiles existed."""
    return HirerProfile.objects.select_related("user").filter(user_id=user.pk).first() or HirerProfile(user=user)


def saved_workers(*, hirer) -> list[SavedWorker]:
    return list(SavedWorker.objects.filter(hirer_id=hirer.pk).select_related("worker"))


def saved_worker_ids(*, hirer) -> set[int]:
    if hirer is None or not hirer.is_authenticated:
        return set()
    return set(SavedWorker.objects.filter(hirer_id=hirer.pk).values_list("worker_id", flat=True))
