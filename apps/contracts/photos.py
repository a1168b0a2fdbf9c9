"""Permission-checked fetch of delivery photos.

Photos of a worker's delivered work are private to the two contract parties and staff, so
they are served only through a view that asks this module, never from a public /media/ address.
"""

from apps.common.errors import NotFound
from apps.contracts.models import DeliveryPhoto


def delivery_photo_get_for_user(*, user, contract_public_id, photo_id: int) -> DeliveryPhoto:
    """Return the photo if it belongs to the contract and `user` is its hirer, its worker or staff."""
    if not user.is_authenticated:
        raise NotFound("Photo not found.")
    photo = (
        DeliveryPhoto.objects.select_related(
            "delivery__milestone__contract__hirer", "delivery__milestone__contract__worker"
        )
        .filter(pk=photo_id, delivery__milestone__contract__public_id=contract_public_id)
        .first()
    )
    if photo is None or photo.delivery.milestone.contract.role_of(user) is None:
        raise NotFound("Photo not found.")
    return photo
