"""Check uploaded photos by their content and re-encode them before they are stored.

The file name and the browser's content type are never trusted: Pillow must recognise the
bytes as one of the allowed formats. Re-encoding drops EXIF data (phone photos carry the
GPS position of the worker's home or a client's house) and any bytes hidden after the image.
"""

import io
import logging
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Phones save photos of 12 to 50 megapixels. A bigger picture is more likely a decompression
# bomb, and decoding costs 3 to 4 bytes of memory a pixel before it is scaled down.
MAX_PIXELS = 50_000_000
# Stored photos are scaled down to this longest side: enough for a full-screen view on a
# phone, and a fraction of the data a visitor on mobile data has to download.
MAX_STORED_SIDE = 2048
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _reject(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _probe(upload) -> str:
    """Return the image format after checking the header and the file structure without decoding pixels."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise _reject(_("Upload a JPEG, PNG or WebP photo."), "unsupported_format")
                if width * height > MAX_PIXELS:
                    raise _reject(
                        _("This picture is too large (%(width)d × %(height)d pixels). Use at most 50 megapixels.")
                        % {"width": width, "height": height},
                        "too_many_pixels",
                    )
                probe.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject(_("This picture is too large. Use at most 50 megapixels."), "too_many_pixels") from None
    except (UnidentifiedImageError, SyntaxError, OSError, ValueError, EOFError) as error:
        logger.info("portfolio upload rejected as not an image", extra={"error": type(error).__name__})
        raise _reject(_("This file is not a photo we can read. Upload a JPEG, PNG or WebP photo."), "not_an_image")
    return image_format


def clean_portfolio_image(upload) -> ContentFile:
    """Validate an uploaded photo and return a re-encoded copy with a random name, or raise ValidationError."""
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise _reject(_("The file is empty. Choose a photo to upload."), "empty")
    if size > MAX_UPLOAD_BYTES:
        raise _reject(_("The photo is larger than 5 MB. Upload a smaller photo."), "too_large")

    image_format = _probe(upload)
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            original.load()
            image = ImageOps.exif_transpose(original)
            image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
            buffer = io.BytesIO()
            if image_format == "JPEG":
                image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
            elif image_format == "PNG":
                image.save(buffer, "PNG", optimize=True)
            else:
                image.save(buffer, "WEBP", quality=85)
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        # verify() passed but the pixel data is truncated or corrupt.
        logger.info("portfolio upload rejected while decoding", extra={"error": type(error).__name__})
        raise _reject(_("This photo is damaged and cannot be read. Upload another copy."), "corrupt") from None

    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[image_format]}")
