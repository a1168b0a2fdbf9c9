from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from apps.common.errors import DomainError, NotFound
from apps.workers import services
from apps.workers.images import MAX_UPLOAD_BYTES
from apps.workers.models import PortfolioItem
from tests.workers.helpers import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_add_stores_reencoded_photo(worker, media_root):
    item = services.portfolio_item_add(user=worker, upload=upload("kitchen.jpg"), caption=" Kitchen cabinets ")

    assert item.caption == "Kitchen cabinets"
    assert (item.width, item.height) == (64, 48)
    assert item.image.name.startswith(f"portfolio/{worker.pk}/")
    assert "kitchen" not in item.image.name
    [path] = stored_files(media_root)
    with Image.open(path) as stored:
        assert stored.format == "JPEG"


def test_add_scales_down_large_photo(worker):
    item = services.portfolio_item_add(user=worker, upload=upload("wall.png", image_bytes("PNG", (3000, 1000))))

    assert (item.width, item.height) == (2048, 683)


def test_add_strips_exif_location(worker, media_root):
    source = Image.new("RGB", (32, 32), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make, standing in for GPS data
    buffer = __import__("io").BytesIO()
    source.save(buffer, "JPEG", exif=exif)

    services.portfolio_item_add(user=worker, upload=upload(content=buffer.getvalue()))

    [path] = stored_files(media_root)
    with Image.open(path) as stored:
        assert dict(stored.getexif()) == {}


@pytest.mark.parametrize(
    ("name", "content", "code_word"),
    [
        ("empty.jpg", b"", "empty"),
        ("script.jpg", b"#!/bin/sh\necho this is not a photo\n" * 20, "not a photo"),
        ("page.png", b"<html><body>hello</body></html>", "not a photo"),
        ("truncated.jpg", image_bytes("JPEG", (200, 200))[:300], "photo"),
        ("anim.gif", image_bytes("GIF"), "JPEG, PNG or WebP"),
        ("huge.png", image_bytes("PNG", (10000, 6000), mode="1"), "too large"),
    ],
)
def test_add_rejects_bad_content_and_stores_nothing(worker, media_root, name, content, code_word):
    with pytest.raises(ValidationError) as caught:
        services.portfolio_item_add(user=worker, upload=upload(name, content))

    assert code_word in " ".join(caught.value.message_dict["image"])
    assert PortfolioItem.objects.count() == 0
    assert stored_files(media_root) == []


def test_add_rejects_file_over_size_limit(worker, media_root):
    # A real JPEG padded past the limit: the size check comes before any decoding.
    content = image_bytes() + b"\0" * MAX_UPLOAD_BYTES

    with pytest.raises(ValidationError) as caught:
        services.portfolio_item_add(user=worker, upload=upload("big.jpg", content))

    assert "5 MB" in caught.value.message_dict["image"][0]
    assert PortfolioItem.objects.count() == 0


def test_add_rejects_long_caption(worker):
    with pytest.raises(ValidationError):
        services.portfolio_item_add(user=worker, upload=upload(), caption="x" * 141)
    assert PortfolioItem.objects.count() == 0


def test_add_stops_at_portfolio_limit(worker, settings):
    for _ in range(services.MAX_PORTFOLIO_ITEMS):
        services.portfolio_item_add(user=worker, upload=upload())

    with pytest.raises(DomainError):
        services.portfolio_item_add(user=worker, upload=upload())

    assert PortfolioItem.objects.count() == services.MAX_PORTFOLIO_ITEMS


def test_add_for_hirer_is_not_found(hirer, media_root):
    with pytest.raises(NotFound):
        services.portfolio_item_add(user=hirer, upload=upload())
    assert stored_files(media_root) == []


def test_delete_removes_row_and_file(worker, media_root, django_capture_on_commit_callbacks):
    item = services.portfolio_item_add(user=worker, upload=upload())

    with django_capture_on_commit_callbacks(execute=True):
        services.portfolio_item_delete(user=worker, item_id=item.pk)

    assert PortfolioItem.objects.count() == 0
    assert stored_files(media_root) == []


def test_delete_of_other_workers_photo_is_not_found(worker, stranger, media_root):
    item = services.portfolio_item_add(user=worker, upload=upload())

    with pytest.raises(NotFound):
        services.portfolio_item_delete(user=stranger, item_id=item.pk)

    assert PortfolioItem.objects.filter(pk=item.pk).exists()
    assert len(stored_files(media_root)) == 1


# Pages


def test_portfolio_page_uploads_photo(worker_client, worker):
    response = worker_client.post(reverse("workers:portfolio"), {"image": upload(), "caption": "Roof trusses"})

    assert response.status_code == HTTPStatus.FOUND
    assert PortfolioItem.objects.get(profile__user=worker).caption == "Roof trusses"
    page = worker_client.get(reverse("workers:portfolio"))
    assert "Roof trusses" in page.content.decode()


def test_portfolio_page_shows_error_for_renamed_file(worker_client, worker):
    fake = upload("photo.jpg", b"MZ\x90\x00 this is a windows program" * 10)

    response = worker_client.post(reverse("workers:portfolio"), {"image": fake})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "not a photo" in response.content.decode()
    assert PortfolioItem.objects.count() == 0


def test_portfolio_page_rejects_missing_and_empty_file(worker_client):
    assert worker_client.post(reverse("workers:portfolio"), {}).status_code == HTTPStatus.BAD_REQUEST
    response = worker_client.post(reverse("workers:portfolio"), {"image": upload(content=b"")})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert PortfolioItem.objects.count() == 0


def test_portfolio_page_is_404_for_hirer(hirer_client):
    assert hirer_client.get(reverse("workers:portfolio")).status_code == HTTPStatus.NOT_FOUND
    assert hirer_client.post(reverse("workers:portfolio"), {"image": upload()}).status_code == HTTPStatus.NOT_FOUND


def test_portfolio_page_needs_login(client):
    response = client.get(reverse("workers:portfolio"))
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("accounts:login") in response["Location"]


def test_portfolio_delete_page(worker_client, worker, stranger_client):
    item = services.portfolio_item_add(user=worker, upload=upload())
    url = reverse("workers:portfolio_delete", kwargs={"item_id": item.pk})

    assert worker_client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert stranger_client.post(url).status_code == HTTPStatus.NOT_FOUND
    assert PortfolioItem.objects.filter(pk=item.pk).exists()

    assert worker_client.post(url).status_code == HTTPStatus.FOUND
    assert not PortfolioItem.objects.filter(pk=item.pk).exists()


def test_portfolio_delete_page_needs_login(client, worker):
    item = services.portfolio_item_add(user=worker, upload=upload())

    response = client.post(reverse("workers:portfolio_delete", kwargs={"item_id": item.pk}))

    assert response.status_code == HTTPStatus.FOUND
    assert PortfolioItem.objects.filter(pk=item.pk).exists()


def test_media_root_is_under_var():
    assert "media" in str(settings.MEDIA_ROOT)


def test_portfolio_upload_repeated_key_stores_once(worker_client, worker):
    """A phone that resends the form after a dropped connection must not add the photo twice."""
    page = worker_client.get(reverse("workers:portfolio")).content.decode()
    assert 'name="idempotency_key"' in page
    content = image_bytes()

    for _ in range(2):
        response = worker_client.post(
            reverse("workers:portfolio"),
            {"image": upload(content=content), "caption": "Gate", "idempotency_key": "upload-key-1"},
        )
        assert response.status_code == HTTPStatus.FOUND

    assert PortfolioItem.objects.filter(profile__user=worker).count() == 1


def test_portfolio_api_repeated_key_replays(worker):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=worker).key}")
    content = image_bytes()

    responses = [
        client.post(
            "/api/v1/workers/me/portfolio/",
            {"image": upload(content=content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="portfolio-key-1",
        )
        for _ in range(2)
    ]

    assert [response.status_code for response in responses] == [HTTPStatus.CREATED, HTTPStatus.CREATED]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert PortfolioItem.objects.count() == 1


def test_staff_removes_any_photo(worker, staff, hirer, media_root, django_capture_on_commit_callbacks):
    item = services.portfolio_item_add(user=worker, upload=upload())

    with pytest.raises(NotFound):
        services.portfolio_item_remove(moderator=hirer, item_id=item.pk)
    assert PortfolioItem.objects.filter(pk=item.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.portfolio_item_remove(moderator=staff, item_id=item.pk)

    assert not PortfolioItem.objects.exists()
    assert stored_files(media_root) == []
