"""Domain errors: raised by services, turned into field messages by views and HTTP answers by the API."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.functional import Promise

# The HTTP status of every refusal, by its code: the one table the API answers by and the schema documents
# (DESIGN.md §REST API). A code not listed is bad input: 400.
STATUS_OF_CODE: dict[str, int] = {
    # 403: the action is not permitted on a visible object
    "permission_denied": 403,
    "not_permitted": 403,
    "not_visible": 403,
    "two_factor_setup_required": 403,
    "own_request": 403,
    "not_approver": 403,
    "approved_twice": 403,
    "not_submitter": 403,
    "view_limit": 403,  # the day's limit of pool customers' pages opened is reached (the pool list stays open)
    # 409: a stale version, a lost race, a duplicate or a limit reached — reload and decide again
    "conflict": 409,
    "stale_version": 409,
    "stale_order": 409,
    "duplicate": 409,
    "duplicate_customer": 409,
    "duplicate_lead": 409,
    "duplicate_competitor": 409,
    "duplicate_number": 409,
    "already_claimed": 409,
    "already_decided": 409,
    "already_pending": 409,
    "case_closed": 409,
    "already_locked": 409,
    "already_merged": 409,
    "not_locked": 409,
    "not_in_pool": 409,
    "in_use": 409,
    "claim_limit": 409,
    "ticket_archived": 409,
    "wrong_status": 409,
    "already_answered": 409,
    "holding_limit": 409,
    "lock_limit": 409,
    "over_receipt": 409,  # money: the receipts would pass the contract/order amount
    "over_invoice": 409,
    "over_plan": 409,
    "has_receipts": 409,
    "duplicate_mailbox": 409,  # a user connects one mailbox
    "duplicate_extension": 409,  # an extension is one agent's in a unit
    "disabled": 409,  # a turned-off mailbox
    "deleted": 409,  # a deleted webhook
    "invitation_used": 409,  # a partner portal invitation accepted or revoked already
    "member_status": 409,  # a partner's portal user deactivated or reactivated already
    # 429: too many requests from one address
    "rate_limited": 429,
}


def status_of(code: str) -> int:
    return STATUS_OF_CODE.get(code, 400)


class DomainError(Exception):
    """A business rule refused the action. ``field`` names the input it concerns, if any; the code decides
    the HTTP status (``STATUS_OF_CODE``)."""

    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    @property
    def status(self) -> int:
        return status_of(self.code)


class NotPermitted(DomainError):
    code = "permission_denied"


class Conflict(DomainError):
    """A stale version, a lost race or a duplicate: the client should reload and decide again."""

    code = "conflict"


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
