from django.urls import path

from apps.contracts import api

urlpatterns = [
    path("", api.ContractListApi.as_view(), name="contract-list"),
    path("<uuid:public_id>/", api.ContractDetailApi.as_view(), name="contract-detail"),
    path("<uuid:public_id>/milestones/", api.ContractMilestonesApi.as_view(), name="contract-milestones"),
    path("<uuid:public_id>/<slug:action>/", api.ContractActionApi.as_view(), name="contract-action"),
    path("milestones/<uuid:public_id>/<slug:action>/", api.MilestoneActionApi.as_view(), name="milestone-action"),
]
