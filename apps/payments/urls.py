from django.urls import path

from apps.payments import views, webhook_views

app_name = "payments"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("transactions/<uuid:public_id>/", views.transaction_detail, name="transaction"),
    path("fund/<uuid:milestone_id>/", views.fund, name="fund"),
    path("collections/<uuid:public_id>/", views.collection_page, name="collection"),
    path("collections/<uuid:public_id>/status/", views.collection_status, name="collection_status"),
    path("collections/<uuid:public_id>/return/", views.collection_return, name="collection_return"),
    path("collections/<uuid:public_id>/check/", views.collection_check, name="collection_check"),
    path("collections/<uuid:public_id>/otp/", views.collection_otp, name="collection_otp"),
    path("payout-method/", views.payout_method, name="payout_method"),
    path("webhooks/<slug:provider_name>/", webhook_views.webhook, name="webhook"),
]
