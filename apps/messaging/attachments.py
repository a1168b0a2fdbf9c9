"""Attachment checks: the type is read from the file's content, never from its name."""

from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from apps.common.errors import DomainError
from apps.messaging import conf

ALLOWED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "application/pdf": None}


@dataclass(frozen=True)
class CheckedAttachment:
    content_type: str
    size: int
    name: str


def attachment_check(uploaded) -> CheckedAttachment:
    """Return the attachment's real type, size and a safe display name, or raise DomainError.

    Accepts JPEG, PNG and WebP images that Pillow can verify, and PDF files, up to
    MESSAGING_MAX_ATTACHMENT_BYTES. Empty files are refused.
    """
    size = uploaded.size or 0
    if size == 0:
        raise DomainError(_("The file is empty. Choose another file."), code="attachment_empty", field="attachment")
    limit = conf.get("MESSAGING_MAX_ATTACHMENT_BYTES")
    if size > limit:
        raise DomainError(
            _("The file is too large (%(size)s MB). Send files of up to %(limit)s MB.")
            % {"size": f"{size / 1_048_576:.1f}", "limit": f"{limit / 1_048_576:g}"},
            code="attachment_too_large",
            field="attachment",
        )

    uploaded.seek(0)
    head = uploaded.read(262)
    uploaded.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise DomainError(
            _("This file type is not accepted. Send a photo (JPEG, PNG or WebP) or a PDF."),
            code="attachment_type",
            field="attachment",
        )
    if content_type == "application/pdf":
        _check_pdf(uploaded)
    else:
        _check_image(uploaded, expected_format=ALLOWED_TYPES[content_type])
    uploaded.seek(0)
    return CheckedAttachment(content_type=content_type, size=size, name=_display_name(uploaded.name))


def _check_image(uploaded, *, expected_format: str) -> None:
    unreadable = DomainError(
        _("This image could not be read. It may be damaged; try taking or exporting it again."),
        code="attachment_unreadable",
        field="attachment",
    )
    try:
        with Image.open(uploaded) as image:
            if image.format != expected_format:
                raise unreadable
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unreadable from None
    if width * height > conf.get("MESSAGING_MAX_IMAGE_PIXELS"):
        raise DomainError(
            _("This image is too large in pixels. Send a smaller photo."),
            code="attachment_too_large",
            field="attachment",
        )


def _check_pdf(uploaded) -> None:
    # A real PDF ends with an %%EOF marker near its end; a renamed or cut-off file does not.
    uploaded.seek(max(uploaded.size - 1024, 0))
    tail = uploaded.read()
    if b"%%EOF" not in tail:
        raise DomainError(
            _("This PDF could not be read. It may be damaged; try saving it again."),
            code="attachment_unreadable",
            field="attachment",
        )


def _display_name(name: str | None) -> str:
    base = (name or "attachment").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable() and char not in '<>:"|?*').strip()
    return (cleaned or "attachment")[:120]
