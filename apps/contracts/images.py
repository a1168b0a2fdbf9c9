"""Checks on delivery photos: the bytes must be a real JPEG, PNG or WebP image of sane size."""

import logging
import uuid

import filetype
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

ALLOWED_MIME_TYPES = {"image/jpeg", "image/png", "image/webp"}
# Phone cameras produce 2 to 5 MB photos; anything bigger is refused before it is decoded.
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS_PER_DELIVERY = 6
# Decoding a huge image (a "pixel bomb") can exhaust memory even when the file is small.
MAX_PIXELS = 40_000_000
MIN_SIDE = 64


def validate_delivery_photos(photos: list) -> None:
    """Raise ValidationError unless every upload is a decodable image within the limits."""
    if not photos:
        raise ValidationError(_("Add at least one photo of the finished work."), code="required")
    if len(photos) > MAX_PHOTOS_PER_DELIVERY:
        raise ValidationError(_("Add at most %(count)d photos.") % {"count": MAX_PHOTOS_PER_DELIVERY}, code="too_many")
    for photo in photos:
        _validate_photo(photo)


def _validate_photo(photo) -> None:
    name = getattr(photo, "name", "photo")
    if photo.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 5 MB. Send a smaller photo.") % {"name": name}, code="too_large"
        )

    photo.seek(0)
    head = photo.read(262)
    photo.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_MIME_TYPES:
        raise ValidationError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}, code="invalid_type")

    try:
        with Image.open(photo) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": name}, code="too_large")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        logger.info("delivery photo rejected", extra={"photo_name": name, "error": str(error)})
        raise ValidationError(
            _("%(name)s could not be read as an image. Take the photo again.") % {"name": name}, code="invalid_image"
        ) from None
    finally:
        photo.seek(0)

    if min(width, height) < MIN_SIDE:
        raise ValidationError(_("%(name)s is too small to show the work.") % {"name": name}, code="too_small")


# Detected content type -> the extension the stored file gets.
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
UNKNOWN_CONTENT_TYPE = "application/octet-stream"


def detect_content_type(file) -> str:
    """Return the image type the file's first bytes show, or application/octet-stream."""
    file.seek(0)
    head = file.read(262)
    file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in PHOTO_EXTENSIONS:
        return UNKNOWN_CONTENT_TYPE
    return kind.mime


def delivery_photo_upload_path(photo, filename: str) -> str:
    """Name the stored file with a random hex and the extension of its detected type, never the upload's name."""
    extension = PHOTO_EXTENSIONS.get(detect_content_type(photo.image), "bin")
    return f"contracts/deliveries/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
