"""The Celery application shared by the web processes and the background workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelmah.settings.embedded")

app = Celery("kelmah")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
