"""Monitoring URLs, included at the site root.

HealthEndpointMiddleware normally serves the /health/ paths first; these routes serve
them when that middleware is not installed and let reverse() build their addresses.
"""

from django.urls import path, re_path

from apps.monitoring import health_views, views

app_name = "monitoring"

urlpatterns = [
    path("health/", health_views.health_all, name="health"),
    re_path(r"^health/live/?$", health_views.health_live, name="health-live"),
    re_path(r"^health/ready/?$", health_views.health_ready, name="health-ready"),
    path("health/<str:module>/", health_views.health_module, name="health-module"),
    path("ops/", views.ops, name="ops"),
    path("ops/live/", views.ops_live, name="ops-live"),
    path("ops/maintenance/", views.ops_maintenance, name="ops-maintenance"),
    path("ops/faults/", views.ops_fault_set, name="ops-fault-set"),
    path("ops/faults/clear/", views.ops_fault_clear, name="ops-fault-clear"),
    path("metrics", views.prometheus_metrics, name="metrics"),
]
