"""Domain errors with a stable code and an HTTP status, rendered in one place.

Services raise these; the DRF exception handler and the HTML views turn them into
responses. The message is user-facing and already translated.
"""

from http import HTTPStatus


class DomainError(Exception):
    code = "invalid"
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotAllowed(DomainError):
    """The actor may not do this to an object they can see (for example the wrong state)."""

    code = "not_allowed"
    status = HTTPStatus.CONFLICT


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = HTTPStatus.CONFLICT


class NotFound(DomainError):
    """The object does not exist or the actor may not see it; the two are indistinguishable."""

    code = "not_found"
    status = HTTPStatus.NOT_FOUND
