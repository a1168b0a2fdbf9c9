"""The Celery application shared by the web processes and the background workers.

Configuration comes from the CELERY_* settings (kelmah/settings/base.py for task
behaviour and the beat schedule, embedded.py and production.py for the broker).
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelmah.settings.embedded")

app = Celery("kelmah")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """Create the filesystem transport's folders; kombu fails on the first message without them."""
    from django.conf import settings

    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem://"):
        return
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender, **kwargs) -> None:
    ensure_broker_folders()
