"""A real Celery worker process runs outbox work on both brokers (embedded filesystem, Redis)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.resilience.models import OutboxMessage, OutboxStatus
from apps.resilience.outbox import enqueue
from tests.support.broker import celery_worker, use_broker, wait_for


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_for(transport: str, var_dir: Path) -> tuple[str, dict]:
    if transport == "redis":
        return settings.REDIS_URL, {}
    folder = var_dir / "broker"
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    for path in ("queue", "processed", "control"):
        (folder / path).mkdir(parents=True, exist_ok=True)
    return "filesystem://", options


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("transport", ["filesystem", pytest.param("redis", marks=pytest.mark.redis)])
def test_worker_process_finds_and_finishes_its_row(transport, tmp_path, request):
    if transport == "redis":
        request.getfixturevalue("redis_db")
    url, options = broker_for(transport, tmp_path)
    env = {
        "DJANGO_SETTINGS_MODULE": "kelmah.settings.test",
        "DATABASE_URL": database_url(),
        "KELMAH_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": url,
        "KELMAH_TEST_BROKER_DIR": str(tmp_path / "broker"),
    }

    with use_broker(url, options), celery_worker(env) as worker:
        with transaction.atomic():
            message = enqueue("resilience.outbox_ping", kwargs={"note": f"via {transport}"})

        finished = wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.DONE, timeout=60)
        if not finished:
            worker.terminate()
            pytest.fail(f"worker never finished the row:\n{worker.communicate(timeout=10)[0][-3000:]}")

    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    assert message.done_at is not None
