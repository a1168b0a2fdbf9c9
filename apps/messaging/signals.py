"""Close a user's websockets when they log out over HTTP."""

import logging

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from apps.messaging.services import session_ended

logger = logging.getLogger(__name__)


@receiver(user_logged_out, dispatch_uid="messaging_close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    # Django sends this signal before it deletes the session, so the sockets get the ended
    # session's fingerprint instead of checking for the session row.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        session_ended(user_id=user.pk, session_key=session_key)
