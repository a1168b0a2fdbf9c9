from http import HTTPStatus

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_api_docs_page_renders_with_local_assets():
    response = Client().get("/api/v1/docs/")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "/api/v1/schema/" in body
    assert "cdn.jsdelivr.net" not in body


def test_api_schema_renders():
    response = Client().get("/api/v1/schema/")

    assert response.status_code == HTTPStatus.OK
    assert b"openapi" in response.content
