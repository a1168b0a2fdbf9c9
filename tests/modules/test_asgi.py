"""The module layer behaves the same under the ASGI handler the embedded server uses."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from apps.modules import faults

pytestmark = pytest.mark.django_db(transaction=True)


def test_view_fault_contained_under_asgi():
    async_to_sync(view_fault_contained)()


async def view_fault_contained():
    await sync_to_async(faults.fault_set)(target="jobs.views", spec="raise")
    client = AsyncClient()
    try:
        jobs = await client.get("/jobs/")
        workers = await client.get("/workers/")
        api = await client.get("/api/v1/jobs/")
    finally:
        await sync_to_async(faults.fault_clear)()

    assert jobs.status_code == 503
    assert 'data-module="jobs"' in jobs.content.decode()
    assert workers.status_code == 200
    assert api.status_code == 503
    assert json.loads(api.content)["module"] == "jobs"


def test_query_fault_applies_under_asgi(worker):
    async_to_sync(query_fault_applies)(worker.pk)


async def query_fault_applies(worker_id: int):
    await sync_to_async(faults.fault_set)(target="workers.db", spec="raise")
    client = AsyncClient()
    try:
        # A profile page reads the database directly; the directory would answer from its cache.
        workers = await client.get(f"/workers/{worker_id}/")
        jobs = await client.get("/jobs/")
    finally:
        await sync_to_async(faults.fault_clear)()

    assert workers.status_code == 503
    assert jobs.status_code == 200
