"""Reads for messaging. Every fetch is scoped to the asking user: anything else is NotFound."""

import importlib
import importlib.util
import uuid

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from apps.common.errors import NotFound
from apps.messaging import conf
from apps.messaging.models import Conversation, Message, Participant


def conversation_get_for_user(*, public_id, user) -> Conversation:
    """Return the conversation with this public id if `user` takes part in it, else raise NotFound."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("Conversation not found.")
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("Conversation not found.") from None
    conversation = (
        Conversation.objects.select_related("job", "hirer", "worker")
        .filter(public_id=public_id, participants__user=user)
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    return conversation


def is_participant(*, conversation_id: int, user_id: int) -> bool:
    return Participant.objects.filter(conversation_id=conversation_id, user_id=user_id, user__is_active=True).exists()


def conversation_list_for_user(*, user):
    """Return the user's conversations, most recent activity first, in one query.

    Each row carries `unread` (messages from the other person after the user's last read
    one) and `last_message`, so the inbox costs the same whatever the number of rows.
    """
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), id__gt=OuterRef("my_last_read"))
        .exclude(sender=user)
        .order_by()
        .values("conversation")
        .annotate(total=Count("id"))
        .values("total")
    )
    return (
        Conversation.objects.filter(participants__user=user)
        .select_related("job", "hirer", "worker", "last_message", "last_message__sender")
        .annotate(my_last_read=F("participants__last_read_message_id"))
        .annotate(unread=Coalesce(Subquery(unread), 0))
        .order_by(F("last_message_at").desc(nulls_last=True), "-created_at")
    )


def unread_total(*, user) -> int:
    """Return how many messages from others the user has not read, over all conversations."""
    return (
        Message.objects.filter(
            conversation__participants__user=user,
            id__gt=F("conversation__participants__last_read_message_id"),
        )
        .exclude(sender=user)
        .count()
    )


def messages_before(*, conversation: Conversation, before: int | None = None, limit: int | None = None):
    """Return (messages oldest first, has_older) for the page ending just before `before`.

    With no `before` this is the newest page.
    """
    limit = _clamp(limit)
    queryset = conversation.messages.select_related("sender")
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: limit + 1])
    has_older = len(rows) > limit
    return list(reversed(rows[:limit])), has_older


def messages_after(*, conversation: Conversation, after: int, limit: int | None = None) -> list[Message]:
    """Return up to `limit` messages with id greater than `after`, oldest first.

    `limit` defaults to MESSAGING_MAX_PAGE_SIZE; callers that take it from a client bound it.
    """
    limit = max(1, limit or conf.get("MESSAGING_MAX_PAGE_SIZE"))
    return list(conversation.messages.select_related("sender").filter(id__gt=after).order_by("id")[:limit])


def _clamp(limit: int | None, *, default: int | None = None) -> int:
    maximum = conf.get("MESSAGING_MAX_PAGE_SIZE")
    if limit is None:
        return default or conf.get("MESSAGING_PAGE_SIZE")
    return max(1, min(limit, maximum))


def read_state(*, conversation: Conversation) -> dict[int, int]:
    """Return {user id: last read message id} for both participants."""
    return dict(conversation.participants.values_list("user_id", "last_read_message_id"))


def contact_details_visible(*, conversation: Conversation) -> bool:
    """Return whether the two people may see each other's phone number and address.

    Only once there is a funded contract between them; until the contracts app provides
    has_funded_contract, never.
    """
    if importlib.util.find_spec("apps.contracts.selectors") is None:
        return False
    has_funded_contract = getattr(importlib.import_module("apps.contracts.selectors"), "has_funded_contract", None)
    if has_funded_contract is None:
        return False
    return bool(has_funded_contract(conversation.hirer, conversation.worker))


def job_conversations_for_user(*, job, user):
    """Return the user's conversations about `job` with unread counts (the hirer may have several)."""
    return conversation_list_for_user(user=user).filter(job=job)


def worker_may_message_about(*, job, user) -> bool:
    """Return whether `user` is a worker who applied to `job` and so may start its conversation."""
    return getattr(user, "role", None) == "worker" and has_applied(job=job, worker=user)


def has_applied(*, job, worker) -> bool:
    """Return whether `worker` applied to `job` (whatever became of the application)."""
    from apps.jobs.selectors import worker_application_for_job

    return worker_application_for_job(job=job, worker=worker) is not None
