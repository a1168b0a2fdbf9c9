from django.urls import path

from apps.payments import api

urlpatterns = [
    path("", api.SummaryApi.as_view(), name="payments-summary"),
    path("transactions/", api.TransactionListApi.as_view(), name="payments-transactions"),
    path("transactions/<uuid:public_id>/", api.TransactionDetailApi.as_view(), name="payments-transaction"),
    path("milestones/<uuid:milestone_id>/fund/", api.FundApi.as_view(), name="payments-fund"),
    path("escrow/<uuid:milestone_id>/release/", api.EscrowReleaseApi.as_view(), name="payments-escrow-release"),
    path("collections/<uuid:public_id>/", api.CollectionApi.as_view(), name="payments-collection"),
    path(
        "collections/<uuid:public_id>/refresh/", api.CollectionRefreshApi.as_view(), name="payments-collection-refresh"
    ),
    path("collections/<uuid:public_id>/otp/", api.CollectionOtpApi.as_view(), name="payments-collection-otp"),
    path("payouts/", api.PayoutListApi.as_view(), name="payments-payouts"),
    path("payout-method/", api.PayoutMethodApi.as_view(), name="payments-payout-method"),
]
