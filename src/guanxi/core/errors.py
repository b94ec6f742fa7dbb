"""Domain errors: raised by services, turned into field messages by views and HTTP answers by the API."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
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


class FieldErrors:
    """The field errors of several checks of one form, gathered so the user sees them all at once and then
    raised together::

        errors = FieldErrors()
        with errors.check():
            customer_clean(customer)
        with errors.check(prefix="contact_"):
            contact_clean(contact)
        errors.raise_any()
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    @contextmanager
    def check(self, *, prefix: str = "") -> Iterator[None]:
        try:
            yield
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.errors.setdefault(f"{prefix}{field}", []).extend(messages)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
