from django.urls import path

from apps.jobs import api

urlpatterns = [
    path("", api.JobListApi.as_view(), name="jobs-list"),
    path("mine/", api.HirerJobsApi.as_view(), name="jobs-mine"),
    path("applications/", api.MyApplicationsApi.as_view(), name="jobs-my-applications"),
    path("applications/<str:application_id>/withdraw/", api.ApplicationWithdrawApi.as_view(), name="jobs-withdraw"),
    path("applications/<str:application_id>/shortlist/", api.ApplicationShortlistApi.as_view(), name="jobs-shortlist"),
    path("applications/<str:application_id>/accept/", api.ApplicationAcceptApi.as_view(), name="jobs-accept"),
    path("applications/<str:application_id>/reject/", api.ApplicationRejectApi.as_view(), name="jobs-reject"),
    path("<str:job_id>/", api.JobDetailApi.as_view(), name="jobs-detail"),
    path("<str:job_id>/publish/", api.JobPublishApi.as_view(), name="jobs-publish"),
    path("<str:job_id>/start/", api.JobStartApi.as_view(), name="jobs-start"),
    path("<str:job_id>/complete/", api.JobCompleteApi.as_view(), name="jobs-complete"),
    path("<str:job_id>/cancel/", api.JobCancelApi.as_view(), name="jobs-cancel"),
    path("<str:job_id>/applications/", api.JobApplicationsApi.as_view(), name="jobs-applications"),
]
