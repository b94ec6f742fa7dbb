"""The event outbox (SPEC §13.5): services record what happened to a record, in their own transaction.

Call it as the last step of a service, inside its ``transaction.atomic``::

    from guanxi.core.outbox import emit

    emit("customer.claimed", customer, actor=actor)
    emit("receipt.approved", receipt, actor=actor, data={"amount": str(receipt.amount)})

``emit(event, record, *, actor=None, data=None) -> OutboxEvent``

- ``event``: a code ``<record>.<what happened>`` registered with ``register_event`` (a label for the
  webhook settings); an unregistered code is refused, so a typo fails in the tests, not in production.
- ``record``: the saved model instance the event is about; its ``business_unit_id`` (when it has one) says
  whose webhooks hear it, its app label and model name and its pk say which record the delivery shows.
- ``actor``: the user who caused it (``None`` for a sweep); ``data``: extra JSON-safe facts (a reason).

The row is written in the caller's transaction: a rollback writes nothing and so sends nothing; a crash
after the commit loses nothing, as the dispatch sweep finds every row not yet dispatched. After the
commit the listeners registered with ``register_listener`` are told (the integrations queue the
dispatch at once instead of waiting for the sweep). Core knows nothing of who listens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from .bulk import rows_insert
from .models import OutboxEvent

if TYPE_CHECKING:
    from guanxi.org.models import User

EVENTS: dict[str, str | Promise] = {}
LISTENERS: list[Callable[[], None]] = []


def register_event(code: str, label: str | Promise) -> None:
    """Declare an event code (``"contract.signed"``) and its label, from the ``ready()`` of the app that
    emits it."""
    EVENTS[code] = label


def register_listener(listener: Callable[[], None]) -> None:
    """Called (without arguments) after a transaction that emitted events commits."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def record_type(record: models.Model) -> str:
    return record._meta.label_lower


def emit(event: str, record: models.Model, *, actor: User | None = None, data: Mapping[str, Any] | None = None) -> None:
    """Record that ``event`` happened to ``record``, in the caller's transaction."""
    emit_many(event, [record], actor=actor, data=data)


def emit_many(
    event: str,
    records: Iterable[models.Model],
    *,
    actor: User | None = None,
    data: Mapping[str, Any] | None = None,
) -> int:
    """The same event for many records at once (a sweep's batch): one INSERT. Answers how many."""
    if event not in EVENTS:
        raise LookupError(f"unknown event {event!r}: call register_event() first")
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    details = dict(data or {})
    rows = [  # as rows, not model instances: a sweep emits them by the ten thousand
        (uuid.uuid4(), event, getattr(record, "business_unit_id", None), record_type(record), record.pk, actor_id,
         details, now)
        for record in records
    ]  # fmt: skip
    if not rows:
        return 0
    rows_insert(
        OutboxEvent, ["key", "event", "business_unit", "record_type", "record_id", "actor", "data", "occurred_at"], rows
    )
    if LISTENERS:
        transaction.on_commit(_tell_listeners)
    return len(rows)


def _tell_listeners() -> None:
    for listener in LISTENERS:
        listener()


def register() -> None:
    """The events of the records below integrations; each app above registers its own codes the same way."""
    from django.utils.translation import gettext_lazy as _

    register_event("customer.created", _("Customer created"))
    register_event("customer.updated", _("Customer updated"))
    register_event("customer.claimed", _("Customer claimed from the pool"))
    register_event("customer.returned", _("Customer returned to the pool"))
    register_event("opportunity.won", _("Opportunity won"))
    register_event("opportunity.lost", _("Opportunity lost"))
    register_event("contract.signed", _("Contract signed"))
    register_event("order.confirmed", _("Order confirmed"))
    register_event("ticket.archived", _("Ticket archived"))
