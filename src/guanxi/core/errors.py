"""Domain errors: raised by services, turned into field messages by views and HTTP answers by the API."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the action. ``field`` names the input it concerns, if any."""

    code = "invalid"
    status = 400

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotPermitted(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    """A stale version, a lost race or a duplicate: the client should reload and decide again."""

    code = "conflict"
    status = 409
