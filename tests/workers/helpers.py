"""Builders shared by the worker tests: listed workers and image files made in memory."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.accounts.models import Role
from apps.workers.services import worker_profile_update
from tests.conftest import make_user


def listed_worker(name: str = "Kwame Asante", **changes):
    """Create a worker with a trade, so the directory lists them; extra keyword args update the profile."""
    user = make_user(role=Role.WORKER, name=name)
    fields = {"trades": ["carpentry"], "region": "ashanti", "town": "Kumasi"} | changes
    worker_profile_update(user=user, **fields)
    return user


def image_bytes(image_format: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color=1 if mode == "1" else (200, 120, 40)).save(buffer, image_format)
    return buffer.getvalue()


def upload(name: str = "roof.jpg", content: bytes | None = None, content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


def forget_cached_directory() -> None:
    """Mark every cached directory page outdated, so the next load builds from the database.

    Tests run inside a transaction that never commits, so the services' after-commit
    invalidation never runs. Tests that change rows between loads call this instead.
    """
    from django.test import TestCase

    from apps.resilience.cache import bump
    from apps.workers.selectors import DIRECTORY_TAG

    with TestCase.captureOnCommitCallbacks(execute=True):
        bump(DIRECTORY_TAG)
