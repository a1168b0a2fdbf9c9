"""The messaging API for mobile clients under /api/v1/messaging/.

Conversations are addressed by their public UUID; anything the caller does not take part
in is a 404. Sends are idempotent on client_id (or the Idempotency-Key header).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.common.errors import NotFound
from apps.messaging import lookups, realtime, selectors, services
from apps.messaging.serializers import (
    ConversationListSchema,
    ConversationSchema,
    CursorSerializer,
    MessageListSchema,
    MessageSchema,
    ReadResultSchema,
    ReadSerializer,
    SendSerializer,
    StartSerializer,
    conversation_data,
)
from apps.messaging.views import INBOX_LIMIT


def _conversation(request, public_id):
    try:
        return selectors.conversation_get_for_user(public_id=public_id, user=request.user)
    except NotFound:
        raise Http404 from None


@extend_schema(methods=["GET"], responses=ConversationListSchema, operation_id="messaging_conversations_list")
@extend_schema(
    methods=["POST"],
    request=StartSerializer,
    responses=ConversationSchema,
    operation_id="messaging_conversations_start",
)
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
def conversations(request):
    if request.method == "GET":
        rows = selectors.conversation_list_for_user(user=request.user)[:INBOX_LIMIT]
        return Response({"results": [conversation_data(row, user=request.user, unread=row.unread) for row in rows]})

    serializer = StartSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    user = request.user
    if data.get("job"):
        job = lookups.job_for_conversation(job_id=data["job"], user=user)
        worker = user if user.role == Role.WORKER else lookups.worker_get(user_id=data.get("worker"))
        conversation = services.conversation_for_job(job=job, worker=worker, actor=user)
    else:
        conversation = services.conversation_direct(hirer=user, worker=lookups.worker_get(user_id=data["worker"]))
    return Response(conversation_data(conversation, user=user), status=status.HTTP_200_OK)


@extend_schema(responses=ConversationSchema, operation_id="messaging_conversation_detail")
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def conversation_detail(request, public_id):
    conversation = _conversation(request, public_id)
    return Response(
        conversation_data(
            conversation,
            user=request.user,
            last_read=selectors.read_state(conversation=conversation),
        )
    )


@extend_schema(
    methods=["GET"], parameters=[CursorSerializer], responses=MessageListSchema, operation_id="messaging_messages_list"
)
@extend_schema(
    methods=["POST"],
    request={"application/json": SendSerializer, "multipart/form-data": SendSerializer},
    responses={201: MessageSchema, 200: MessageSchema},
    operation_id="messaging_messages_send",
    description="Send a message. A client_id (or Idempotency-Key) already stored returns that message with 200.",
)
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
@parser_classes([JSONParser, MultiPartParser, FormParser])
def messages(request, public_id):
    conversation = _conversation(request, public_id)
    if request.method == "GET":
        return _list_messages(request, conversation)

    serializer = SendSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    message = services.message_send(
        conversation=conversation,
        sender=request.user,
        body=data.get("body", ""),
        attachment=data.get("attachment"),
        client_id=data.get("client_id") or request.headers.get("Idempotency-Key") or None,
    )
    return Response(
        realtime.serialize_message(message),
        status=status.HTTP_200_OK if message.replayed else status.HTTP_201_CREATED,
    )


def _list_messages(request, conversation) -> Response:
    cursor = CursorSerializer(data=request.query_params)
    cursor.is_valid(raise_exception=True)
    params = cursor.validated_data
    if "after" in params:
        rows = selectors.messages_after(conversation=conversation, after=params["after"], limit=params.get("limit"))
        has_more = len(rows) == (params.get("limit") or 100)
    else:
        rows, has_more = selectors.messages_before(
            conversation=conversation, before=params.get("before"), limit=params.get("limit")
        )
    return Response({"results": [realtime.serialize_message(row) for row in rows], "has_more": has_more})


@extend_schema(request=ReadSerializer, responses=ReadResultSchema, operation_id="messaging_conversation_read")
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def read(request, public_id):
    conversation = _conversation(request, public_id)
    serializer = ReadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    last_read = services.conversation_mark_read(
        conversation=conversation, user=request.user, up_to_id=serializer.validated_data.get("message_id")
    )
    return Response({"last_read_message_id": last_read})
