"""Delivery photos and message attachments are private: only the contract parties and staff see a photo.

Under DEBUG the site serves the public portfolio folder of MEDIA_ROOT and nothing else.
"""

import re

import pytest
from django.core.files.base import ContentFile

from apps.contracts.models import Delivery, DeliveryPhoto
from kelmah import urls as root_urls
from tests.contracts.factories import first_milestone, make_contract
from tests.contracts.test_state_machine import png_upload


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker))
    delivery = Delivery.objects.create(milestone=milestone, note="Done.", created_by=worker)
    upload = png_upload("IMG_2026_kitchen.png")
    return DeliveryPhoto.objects.create(delivery=delivery, image=upload, size=upload.size)


def photo_url(photo):
    return f"/contracts/{photo.delivery.milestone.contract.public_id}/photos/{photo.pk}/"


def test_stored_photo_gets_a_random_name_with_the_detected_extension(photo):
    assert re.fullmatch(r"contracts/deliveries/\d{4}/\d{2}/[0-9a-f]{32}\.png", photo.image.name)
    assert "kitchen" not in photo.image.name


def test_photo_named_jpg_but_holding_png_is_stored_as_png(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker))
    delivery = Delivery.objects.create(milestone=milestone, created_by=worker)
    upload = png_upload("page.html.jpg")

    stored = DeliveryPhoto.objects.create(delivery=delivery, image=upload, size=upload.size)

    assert stored.image.name.endswith(".png")


@pytest.mark.parametrize("party", ["hirer_client", "worker_client", "staff_client"])
def test_parties_and_staff_get_the_photo_privately(request, photo, party):
    client = request.getfixturevalue(party)

    response = client.get(photo_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == photo.image.open("rb").read()


@pytest.mark.parametrize("who", ["client", "stranger_client"])
def test_anyone_else_gets_404_for_the_photo(request, photo, who):
    client = request.getfixturevalue(who)

    assert client.get(photo_url(photo)).status_code == 404


def test_photo_of_another_contract_is_404_even_for_a_party(hirer, worker, hirer_client, photo):
    other_contract = make_contract(hirer=hirer, worker=worker)

    response = hirer_client.get(f"/contracts/{other_contract.public_id}/photos/{photo.pk}/")

    assert response.status_code == 404


def test_missing_photo_file_is_404(hirer_client, photo):
    photo.image.storage.delete(photo.image.name)

    assert hirer_client.get(photo_url(photo)).status_code == 404


def test_contract_page_links_photos_through_the_checked_view(hirer_client, photo):
    response = hirer_client.get(f"/contracts/{photo.delivery.milestone.contract.public_id}/")

    page = response.content.decode()
    assert photo_url(photo) in page
    assert "/media/" not in page


class DebugUrls:
    """The site's URL map as it is built with DEBUG on."""

    urlpatterns = root_urls.urlpatterns + root_urls.public_media_patterns()


@pytest.fixture
def debug_site(settings):
    settings.DEBUG = True
    DebugUrls.urlpatterns = root_urls.urlpatterns + root_urls.public_media_patterns()
    settings.ROOT_URLCONF = DebugUrls
    return settings


@pytest.mark.parametrize("who", ["client", "stranger_client"])
def test_debug_media_does_not_serve_private_folders(request, debug_site, photo, who):
    client = request.getfixturevalue(who)
    attachment = photo.image.storage.save("messaging/3f2a9c1b.jpg", ContentFile(b"private attachment"))

    assert client.get(f"/media/{photo.image.name}").status_code == 404
    assert client.get(f"/media/{attachment}").status_code == 404


def test_debug_media_serves_the_public_portfolio(debug_site, photo, client):
    name = photo.image.storage.save("portfolio/7/work.jpg", ContentFile(b"portfolio photo"))

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"portfolio photo"
