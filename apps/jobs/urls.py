from django.urls import path

from apps.jobs import posting, views

app_name = "jobs"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", posting.job_new, name="new"),
    path("applications/", views.my_applications, name="my_applications"),
    path("applications/<str:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<str:application_id>/<str:decision>/", views.decide, name="decide"),
    path("<str:job_id>/", views.detail, name="detail"),
    path("<str:job_id>/apply/", views.apply, name="apply"),
    path("<str:job_id>/applicants/", views.applicants, name="applicants"),
    path("<str:job_id>/cancel/", views.cancel, name="cancel"),
    path("<str:job_id>/edit/<str:step>/", posting.job_edit, name="edit"),
    path("<str:job_id>/<str:action>/", views.job_action, name="action"),
]
