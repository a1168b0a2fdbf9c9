"""Delivery photos are checked by content and size before a milestone counts as delivered."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.contracts.models import DeliveryPhoto, Milestone
from tests.contracts.factories import first_milestone, fund, make_contract
from tests.contracts.test_state_machine import png_upload


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def started(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker))
    fund(milestone)
    Milestone.objects.filter(pk=milestone.pk).update(status="in_progress")
    milestone.refresh_from_db()
    return milestone


def deliver(client, milestone, files):
    return client.post(f"/contracts/milestones/{milestone.public_id}/deliver/", {"note": "Finished.", "photos": files})


def jpeg_bytes(size=(300, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_real_photos_accepted(worker_client, started):
    response = deliver(worker_client, started, [png_upload(), SimpleUploadedFile("b.jpg", jpeg_bytes())])

    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == "delivered"
    assert DeliveryPhoto.objects.filter(delivery__milestone=started).count() == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("fake.png", b"this is not an image at all" * 20, content_type="image/png"), "not a JPEG"),
        (SimpleUploadedFile("cut.jpg", jpeg_bytes()[:120], content_type="image/jpeg"), "could not be read"),
        (SimpleUploadedFile("tiny.jpg", jpeg_bytes((20, 20)), content_type="image/jpeg"), "too small"),
        (SimpleUploadedFile("page.gif", b"GIF89a" + b"\x00" * 200, content_type="image/gif"), "not a JPEG"),
    ],
)
def test_bad_photo_rejected_and_nothing_stored(worker_client, started, upload, message):
    response = deliver(worker_client, started, [upload])

    assert response.status_code == 400
    assert message in response.content.decode()
    started.refresh_from_db()
    assert started.status == "in_progress"
    assert not DeliveryPhoto.objects.exists()


def test_oversized_photo_rejected(worker_client, started):
    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\x00" * (5 * 1024 * 1024), content_type="image/jpeg")

    response = deliver(worker_client, started, [big])

    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()
    assert not DeliveryPhoto.objects.exists()


def test_too_many_photos_rejected(worker_client, started):
    response = deliver(worker_client, started, [png_upload(f"p{i}.png") for i in range(7)])

    assert response.status_code == 400
    assert "at most 6 photos" in response.content.decode()


def test_no_photo_rejected(worker_client, started):
    response = deliver(worker_client, started, [])

    assert response.status_code == 400
    started.refresh_from_db()
    assert started.status == "in_progress"


def test_api_delivery_with_photo(as_api, worker, started):
    response = as_api(worker).post(
        f"/api/v1/contracts/milestones/{started.public_id}/deliver/",
        {"note": "Done", "photos": [png_upload()]},
        format="multipart",
    )

    assert response.status_code == 200
    assert response.json()["milestones"][0]["status"] == "delivered"
