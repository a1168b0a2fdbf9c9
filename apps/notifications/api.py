from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.common.api.pagination import CappedPageNumberPagination
from apps.notifications import selectors, services
from apps.notifications.serializers import (
    MarkedReadSchema,
    NotificationSerializer,
    PreferencesSchema,
    PreferencesSerializer,
    UnreadCountSchema,
)


@extend_schema(responses=NotificationSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def notification_list(request):
    paginator = CappedPageNumberPagination()
    page = paginator.paginate_queryset(selectors.notifications_for_user(request.user), request)
    return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


@extend_schema(responses=UnreadCountSchema)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def unread_count(request):
    return Response({"unread": selectors.unread_count(request.user)})


@extend_schema(request=None, responses=NotificationSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def notification_read(request, notification_id: int):
    notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    return Response(NotificationSerializer(notification).data)


@extend_schema(request=None, responses=MarkedReadSchema)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def notification_read_all(request):
    changed = services.notification_mark_all_read(user=request.user)
    return Response({"marked_read": changed})


@extend_schema(methods=["GET"], responses=PreferencesSchema)
@extend_schema(methods=["PATCH"], request=PreferencesSerializer, responses=PreferencesSchema)
@api_view(["GET", "PATCH"])
@permission_classes([IsAuthenticated])
def preferences(request):
    if request.method == "PATCH":
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.preferences_update(user=request.user, choices=serializer.validated_data["preferences"])
    rows = selectors.preference_table(request.user)
    body = {row["event"]: {cell["channel"]: cell["enabled"] for cell in row["channels"]} for row in rows}
    return Response({"preferences": body}, status=status.HTTP_200_OK)
