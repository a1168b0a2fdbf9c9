"""The contracts API: the same actions as the pages, one service call per endpoint."""

from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound as ApiNotFound
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.contracts import selectors, services
from apps.contracts.models import ContractEvent
from apps.contracts.serializers import (
    ContractDetailSerializer,
    ContractSerializer,
    DeliverSerializer,
    MilestonesInputSerializer,
    NoteSerializer,
    ReasonSerializer,
    ResolveSerializer,
)
from apps.contracts.services import MilestoneDraft


def _detail(contract):
    contract = (
        type(contract)
        .objects.prefetch_related(
            "milestones", Prefetch("events", queryset=ContractEvent.objects.select_related("actor", "milestone"))
        )
        .select_related("hirer", "worker")
        .annotate(total=Coalesce(Sum("milestones__amount"), 0))
        .get(pk=contract.pk)
    )
    return Response(ContractDetailSerializer(contract).data)


class ContractListApi(ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ContractSerializer

    def get_queryset(self):
        return selectors.contracts_for_user(self.request.user)


class ContractDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ContractDetailSerializer)
    def get(self, request, public_id):
        return _detail(selectors.contract_get_for_user(user=request.user, public_id=public_id))


class ContractMilestonesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=MilestonesInputSerializer, responses=ContractDetailSerializer)
    def put(self, request, public_id):
        contract = selectors.contract_get_for_user(user=request.user, public_id=public_id)
        serializer = MilestonesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        drafts = [
            MilestoneDraft(item["description"], item["amount"], item.get("due_date"))
            for item in serializer.validated_data["milestones"]
        ]
        return _detail(services.contract_update_milestones(contract=contract, actor=request.user, milestones=drafts))


class ContractActionApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    actions = {"accept": services.contract_accept, "cancel": services.contract_cancel}

    @extend_schema(request=None, responses=ContractDetailSerializer)
    def post(self, request, public_id, action):
        if action not in self.actions:
            raise ApiNotFound()
        contract = selectors.contract_get_for_user(user=request.user, public_id=public_id)
        return _detail(self.actions[action](contract=contract, actor=request.user))


class MilestoneActionApi(APIView):
    """POST one action on a milestone: start, approve, cancel, request-changes, dispute, resolve, refund, deliver."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=None, responses=ContractDetailSerializer)
    def post(self, request, public_id, action):
        handler = getattr(self, "_" + action.replace("-", "_"), None)
        if action not in ACTIONS or handler is None:
            raise ApiNotFound()
        milestone = selectors.milestone_get_for_user(user=request.user, public_id=public_id)
        handler(request, milestone)
        return _detail(milestone.contract)

    def _valid(self, serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _start(self, request, milestone):
        services.milestone_start(milestone=milestone, actor=request.user)

    def _approve(self, request, milestone):
        services.milestone_approve(milestone=milestone, actor=request.user)

    def _cancel(self, request, milestone):
        services.milestone_cancel(milestone=milestone, actor=request.user)

    def _request_changes(self, request, milestone):
        data = self._valid(NoteSerializer, request.data)
        services.milestone_request_changes(milestone=milestone, actor=request.user, note=data["note"])

    def _dispute(self, request, milestone):
        data = self._valid(ReasonSerializer, request.data)
        services.milestone_dispute(milestone=milestone, actor=request.user, reason=data["reason"])

    def _resolve(self, request, milestone):
        data = self._valid(ResolveSerializer, request.data)
        services.dispute_resolve(
            milestone=milestone,
            actor=request.user,
            resolution=data["resolution"],
            worker_amount=data.get("worker_amount"),
            note=data["note"],
        )

    def _refund(self, request, milestone):
        data = self._valid(NoteSerializer, request.data)
        services.milestone_refund(milestone=milestone, actor=request.user, note=data["note"])

    def _deliver(self, request, milestone):
        note = request.data.get("note", "") if isinstance(request.data, dict) else None
        data = self._valid(DeliverSerializer, {"note": note, "photos": request.FILES.getlist("photos")})
        services.milestone_deliver(milestone=milestone, actor=request.user, note=data["note"], photos=data["photos"])


ACTIONS = ("start", "approve", "cancel", "request-changes", "dispute", "resolve", "refund", "deliver")
