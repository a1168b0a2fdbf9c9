"""WSGI entry point: production serves plain HTTP through gunicorn sync workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelmah.settings.embedded")

application = get_wsgi_application()
