"""The hirers API: the caller's own hirer profile and saved workers."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.common.errors import NotAllowed
from apps.hirers import selectors, services
from apps.hirers.serializers import (
    HirerProfileSerializer,
    HirerProfileUpdateSerializer,
    SavedWorkerSerializer,
    SaveWorkerSerializer,
)


def _require_hirer(user) -> None:
    if user.role != Role.HIRER:
        raise NotAllowed("Only hirer accounts have a hirer profile and saved workers.", code="not_a_hirer")


class HirerProfileApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="The caller's hirer profile", responses=HirerProfileSerializer)
    def get(self, request):
        _require_hirer(request.user)
        return Response(HirerProfileSerializer(selectors.hirer_profile_get(user=request.user)).data)

    @extend_schema(
        summary="Update the caller's hirer profile",
        request=HirerProfileUpdateSerializer,
        responses=HirerProfileSerializer,
    )
    def patch(self, request):
        serializer = HirerProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = services.hirer_profile_update(user=request.user, **serializer.validated_data)
        return Response(HirerProfileSerializer(profile).data)


class SavedWorkersApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Workers the hirer saved", responses=SavedWorkerSerializer(many=True))
    def get(self, request):
        _require_hirer(request.user)
        return Response(SavedWorkerSerializer(selectors.saved_workers(hirer=request.user), many=True).data)

    @extend_schema(summary="Save a worker", request=SaveWorkerSerializer, responses={201: SavedWorkerSerializer})
    def post(self, request):
        serializer = SaveWorkerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.saved_worker_add(hirer=request.user, worker_id=serializer.validated_data["worker_id"])
        return Response(SavedWorkerSerializer(saved).data, status=status.HTTP_201_CREATED)


class SavedWorkerApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Remove a saved worker", request=None, responses={204: None})
    def delete(self, request, user_id):
        _require_hirer(request.user)
        services.saved_worker_remove(hirer=request.user, worker_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
