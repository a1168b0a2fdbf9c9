from django.urls import path

from apps.hirers import views

app_name = "hirers"

urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
    path("profile/", views.profile_edit, name="profile"),
    path("saved-workers/", views.saved_workers, name="saved_workers"),
    path("saved-workers/<str:user_id>/save/", views.save_worker, name="save_worker"),
    path("saved-workers/<str:user_id>/unsave/", views.unsave_worker, name="unsave_worker"),
]
