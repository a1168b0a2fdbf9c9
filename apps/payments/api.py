"""The payments API: balances, funding a milestone, following a payment, payout wallets."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import NotFound
from apps.contracts.selectors import milestone_get_for_user
from apps.contracts.services import milestone_approve
from apps.payments import payouts, selectors, services
from apps.payments.serializers import (
    CollectionSerializer,
    LedgerTransactionDetailSerializer,
    MoneyMovementSerializer,
    OtpInputSerializer,
    PayoutMethodInputSerializer,
    PayoutMethodSerializer,
    PayoutSerializer,
    RefundSerializer,
    WalletInputSerializer,
)


class SummaryApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request):
        user = request.user
        method = selectors.active_payout_method(user)
        return Response(
            {
                "balances": selectors.wallet_summary(user),
                "payout_method": PayoutMethodSerializer(method).data if method else None,
                "collections": CollectionSerializer(selectors.user_collections(user)[:10], many=True).data,
                "payouts": PayoutSerializer(selectors.user_payouts(user)[:10], many=True).data,
                "refunds": RefundSerializer(selectors.user_refunds(user)[:10], many=True).data,
            }
        )


class TransactionListApi(ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MoneyMovementSerializer

    def get_queryset(self):
        return selectors.user_money_movements(self.request.user)


class TransactionDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=LedgerTransactionDetailSerializer)
    def get(self, request, public_id):
        posted = selectors.ledger_transaction_get_for_user(user=request.user, public_id=public_id)
        return Response(LedgerTransactionDetailSerializer(posted).data)


class FundApi(APIView):
    """Start paying a milestone into escrow from a mobile money wallet (hirer only)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=WalletInputSerializer, responses={201: CollectionSerializer})
    def post(self, request, milestone_id):
        milestone = milestone_get_for_user(user=request.user, public_id=milestone_id)
        serializer = WalletInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        collection = services.collection_start(milestone=milestone, actor=request.user, **serializer.validated_data)
        return Response(CollectionSerializer(collection).data, status=status.HTTP_201_CREATED)


class CollectionApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=CollectionSerializer)
    def get(self, request, public_id):
        collection = selectors.collection_get_for_user(user=request.user, public_id=public_id)
        return Response(CollectionSerializer(collection).data)


class CollectionRefreshApi(APIView):
    """Ask the provider for the payment's state now (the app's "check again")."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=CollectionSerializer)
    def post(self, request, public_id):
        collection = selectors.collection_get_for_user(user=request.user, public_id=public_id)
        collection = services.collection_refresh(collection=collection, source="api")
        return Response(CollectionSerializer(collection).data)


class CollectionOtpApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=OtpInputSerializer, responses=CollectionSerializer)
    def post(self, request, public_id):
        collection = selectors.collection_get_for_user(user=request.user, public_id=public_id)
        serializer = OtpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        collection = services.collection_submit_otp(
            collection=collection, actor=request.user, **serializer.validated_data
        )
        return Response(CollectionSerializer(collection).data)


class EscrowReleaseApi(APIView):
    """Release a delivered milestone's escrow to the worker: the hirer's approval."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=dict)
    def post(self, request, milestone_id):
        milestone = milestone_get_for_user(user=request.user, public_id=milestone_id)
        milestone = milestone_approve(milestone=milestone, actor=request.user)
        return Response({"milestone": str(milestone.public_id), "status": milestone.status})


class PayoutListApi(ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PayoutSerializer

    def get_queryset(self):
        return selectors.user_payouts(self.request.user)


class PayoutMethodApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PayoutMethodSerializer)
    def get(self, request):
        method = selectors.active_payout_method(request.user)
        if method is None:
            raise NotFound("No payout wallet yet.")
        return Response(PayoutMethodSerializer(method).data)

    @extend_schema(request=PayoutMethodInputSerializer, responses={201: PayoutMethodSerializer})
    def post(self, request):
        serializer = PayoutMethodInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        method = payouts.payout_method_add(worker=request.user, **serializer.validated_data)
        return Response(PayoutMethodSerializer(method).data, status=status.HTTP_201_CREATED)
