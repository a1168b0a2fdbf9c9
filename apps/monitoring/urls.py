"""Monitoring URLs, included at the site root.

HealthEndpointMiddleware normally answers the /health/ paths first; these routes serve
them when that middleware is not installed and let reverse() build their addresses.
"""

from django.urls import path, re_path

from apps.monitoring import health_views

urlpatterns = [
    path("health/", health_views.health_all, name="health"),
    re_path(r"^health/live/?$", health_views.health_live, name="health-live"),
    re_path(r"^health/ready/?$", health_views.health_ready, name="health-ready"),
    path("health/<str:module>/", health_views.health_module, name="health-module"),
]
