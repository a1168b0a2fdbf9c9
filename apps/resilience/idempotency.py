"""Idempotent writes for every unsafe request that carries a key.

Public API (stable):

    IdempotencyMiddleware                      # in settings.MIDDLEWARE; nothing to do per view
    {% load idempotency %}{% idempotency_field %}   # a hidden `idempotency_key` input for forms
    new_key() -> str
    purge_expired() -> int

A POST, PUT, PATCH or DELETE from a logged-in user with an `Idempotency-Key` header (API)
or an `idempotency_key` form field is recorded under (user, key) with a fingerprint of
method, path and body:

- the first request runs and its response (status, body, the headers that matter) is kept
  for RESILIENCE_IDEMPOTENCY_TTL seconds (at least a day);
- a repeat with the same fingerprint replays that response (header Idempotent-Replayed: true);
- the same key with a different fingerprint is rejected with 422;
- a repeat while the first is still running waits up to RESILIENCE_IDEMPOTENCY_WAIT
  seconds for it to finish and replays it, else gets 409 with Retry-After.

Server errors (5xx) and answers that depend on the moment (401, 403, 408, 409, 429) are
not kept, so the client's retry runs again. Anonymous requests pass through untouched:
without a user there is no scope to keep keys apart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.resilience.models import IdempotencyRecord, IdempotencyState

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADER = "HTTP_IDEMPOTENCY_KEY"
FORM_FIELD = "idempotency_key"
MAX_KEY_LENGTH = 255
# Headers replayed with a stored response; cookies and per-request ids are left out.
KEPT_HEADERS = ("Content-Type", "Location", "Content-Language", "Retry-After", "Vary", "Cache-Control")
NOT_KEPT_STATUSES = frozenset({401, 403, 408, 409, 425, 429})


def new_key() -> str:
    """Return a fresh random key for a form."""
    return uuid.uuid4().hex


def purge_expired() -> int:
    """Delete records past their expiry; return how many were deleted."""
    deleted, _per_model = IdempotencyRecord.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def _problem(status: int, code: str, message: str, **headers: str) -> HttpResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class IdempotencyMiddleware:
    """Replay, reject or run unsafe requests according to their idempotency key."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE_METHODS:
            return self.get_response(request)
        key = self._key(request)
        if not key:
            return self.get_response(request)
        user = self._user(request)
        if user is None:
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _problem(
                400, "invalid_idempotency_key", _("The idempotency key must be 1 to 255 printable characters.")
            )

        fingerprint = self._fingerprint(request)
        record, created = self._claim(user, key, request, fingerprint)
        if not created:
            return self._repeat(record, fingerprint, user, key)
        return self._run(request, record)

    # Steps ---------------------------------------------------------------------------

    @staticmethod
    def _key(request: HttpRequest) -> str:
        header = request.META.get(HEADER, "").strip()
        if header:
            return header
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                return request.POST.get(FORM_FIELD, "").strip()
            except Exception:  # malformed multipart: the view reports it
                return ""
        return ""

    @staticmethod
    def _user(request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        # API clients authenticate with a token that only DRF reads; resolve it here so
        # their keys are scoped to them too.
        if request.META.get("HTTP_AUTHORIZATION", "").startswith("Token "):
            from rest_framework.authentication import TokenAuthentication
            from rest_framework.exceptions import AuthenticationFailed

            try:
                found = TokenAuthentication().authenticate(request)
            except AuthenticationFailed:
                return None
            return found[0] if found else None
        return None

    @staticmethod
    def _fingerprint(request: HttpRequest) -> str:
        digest = hashlib.sha256()
        digest.update(request.method.encode())
        digest.update(b"\0" + request.path.encode() + b"\0")
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # The CSRF token and the key itself change between renders of the same form.
            fields = sorted(
                (name, values)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", FORM_FIELD)
            )
            digest.update(json.dumps(fields).encode())
            for name, uploads in sorted(request.FILES.lists()):
                for upload in uploads:
                    digest.update(f"{name}:{upload.name}:{upload.size}".encode())
        else:
            digest.update(request.body)
        return digest.hexdigest()

    @staticmethod
    def _claim(user, key: str, request: HttpRequest, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
        expires_at = timezone.now() + timedelta(seconds=settings.RESILIENCE_IDEMPOTENCY_TTL)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    fingerprint=fingerprint,
                    expires_at=expires_at,
                )
            return record, True
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is None:  # expired and purged between the insert and this read
                return IdempotencyMiddleware._claim(user, key, request, fingerprint)
            return record, False

    def _repeat(self, record: IdempotencyRecord, fingerprint: str, user, key: str) -> HttpResponse:
        if record.fingerprint != fingerprint:
            logger.info("Idempotency key reused with a different request", extra={"user_id": user.pk})
            return _problem(
                422,
                "idempotency_key_reused",
                _("This idempotency key was already used for a different request. Send a new key."),
            )
        deadline = time.monotonic() + settings.RESILIENCE_IDEMPOTENCY_WAIT
        while record.state == IdempotencyState.IN_PROGRESS and time.monotonic() < deadline:
            time.sleep(0.05)
            record = IdempotencyRecord.objects.filter(pk=record.pk).first()
            if record is None:
                # The first attempt failed and released the key; report it as in flight so
                # the client retries rather than running twice in this request.
                break
        if record is None or record.state == IdempotencyState.IN_PROGRESS:
            return _problem(
                409,
                "request_in_progress",
                _("A request with this idempotency key is still being processed. Try again shortly."),
                Retry_After="1",
            )
        return self._replay(record)

    def _run(self, request: HttpRequest, record: IdempotencyRecord) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if self._keep(response):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                state=IdempotencyState.COMPLETED,
                status_code=response.status_code,
                headers=headers,
                body=bytes(response.content),
            )
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response

    @staticmethod
    def _keep(response: HttpResponse) -> bool:
        if getattr(response, "streaming", False):
            return False
        return response.status_code < 500 and response.status_code not in NOT_KEPT_STATUSES

    @staticmethod
    def _replay(record: IdempotencyRecord) -> HttpResponse:
        response = HttpResponse(bytes(record.body), status=record.status_code)
        for name, value in record.headers.items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response
