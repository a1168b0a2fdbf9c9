from django.urls import path

from apps.hirers import api

urlpatterns = [
    path("profile/", api.HirerProfileApi.as_view(), name="hirers-profile"),
    path("saved-workers/", api.SavedWorkersApi.as_view(), name="hirers-saved-workers"),
    path("saved-workers/<str:user_id>/", api.SavedWorkerApi.as_view(), name="hirers-saved-worker"),
]
