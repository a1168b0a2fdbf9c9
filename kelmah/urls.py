"""Top-level URL map: each domain app owns its pages under one prefix and its API under /api/v1/."""

from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.common.views import home, service_worker

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("accounts/", include("apps.accounts.api_urls")),
    path("workers/", include("apps.workers.api_urls")),
    path("hirers/", include("apps.hirers.api_urls")),
    path("jobs/", include("apps.jobs.api_urls")),
    path("contracts/", include("apps.contracts.api_urls")),
    path("payments/", include("apps.payments.api_urls")),
    path("messaging/", include("apps.messaging.api_urls")),
    path("notifications/", include("apps.notifications.api_urls")),
    path("dashboard/", include("apps.dashboard.api_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("offline/", TemplateView.as_view(template_name="offline.html"), name="offline"),
    path("sw.js", service_worker, name="service-worker"),
    path("accounts/", include("apps.accounts.urls")),
    path("workers/", include("apps.workers.urls")),
    path("hirer/", include("apps.hirers.urls")),
    path("jobs/", include("apps.jobs.urls")),
    path("contracts/", include("apps.contracts.urls")),
    path("payments/", include("apps.payments.urls")),
    path("messages/", include("apps.messaging.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("dashboard/", include("apps.dashboard.urls")),
    path("fragments/", include("apps.modules.urls")),
    path("", include("apps.monitoring.urls")),
    path("", include("apps.resilience.urls")),
    path("api/v1/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]

# Both answer without the database or the template engine, and in problem+json under /api/.
handler404 = "apps.modules.views.page_not_found"
handler500 = "apps.modules.views.server_error"

# Folder of MEDIA_ROOT anyone may fetch: the workers' public portfolio photos. Delivery photos
# and message attachments live in other folders and go out only through permission-checked views.
PUBLIC_MEDIA_FOLDER = "portfolio"


def public_media_patterns() -> list:
    """Serve only the public portfolio folder of MEDIA_ROOT, and only under DEBUG (empty otherwise)."""
    from django.conf.urls.static import static

    return static(
        f"{settings.MEDIA_URL}{PUBLIC_MEDIA_FOLDER}/",
        document_root=Path(settings.MEDIA_ROOT) / PUBLIC_MEDIA_FOLDER,
    )


if settings.DEBUG:
    urlpatterns += public_media_patterns()
