from django.urls import path

from apps.dashboard import api

urlpatterns = [
    path("", api.DashboardApi.as_view(), name="dashboard"),
]
