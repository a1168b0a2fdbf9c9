from django.urls import path

from apps.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("<uuid:public_id>/", views.contract_detail, name="detail"),
    path("<uuid:public_id>/photos/<id:photo_id>/", views.delivery_photo, name="delivery_photo"),
    path("<uuid:public_id>/milestones/", views.contract_milestones, name="milestones"),
    path("<uuid:public_id>/accept/", views.contract_accept, name="accept"),
    path("<uuid:public_id>/cancel/", views.contract_cancel, name="cancel"),
    path("milestones/<uuid:public_id>/deliver/", views.milestone_deliver, name="deliver"),
    path("milestones/<uuid:public_id>/request-changes/", views.milestone_request_changes, name="request_changes"),
    path("milestones/<uuid:public_id>/dispute/", views.milestone_dispute, name="dispute"),
    path("milestones/<uuid:public_id>/resolve/", views.milestone_resolve, name="resolve"),
    path("milestones/<uuid:public_id>/<slug:action>/", views.milestone_action, name="milestone_action"),
]
