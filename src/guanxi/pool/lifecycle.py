"""The lifecycle status of a customer (SPEC §3.1) moves only on business events, never by hand-editing.

Modules call ``customer_lifecycle_event`` inside their own transaction when the event happens (the pool on a
claim or return, sales when an opportunity opens, closes or is won, orders on the first order, retention on a
confirmed churn); each change is written to the audit log with the event that caused it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.audit import Action, audit_log, audit_log_many
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User


class Event(models.TextChoices):
    CLAIMED = "claimed", _("Claimed from the pool")
    ASSIGNED = "assigned", _("Assigned from the pool")
    RETURNED = "returned", _("Returned to the pool")
    OPPORTUNITY_OPENED = "opportunity_opened", _("Opportunity opened")
    OPPORTUNITY_CLOSED = "opportunity_closed", _("Last open opportunity closed")
    OPPORTUNITY_WON = "opportunity_won", _("Opportunity won")
    FIRST_ORDER = "first_order", _("First order")
    CONTRACT_SIGNED = "contract_signed", _("First contract signed")
    DEAL_UNDONE = "deal_undone", _("Its only contract voided or order cancelled")
    CHURN_CONFIRMED = "churn_confirmed", _("Churn confirmed")
    WON_AGAIN = "won_again", _("Ordered again after churning")


# event → (the statuses it applies to, the status it leads to). An event that does not apply to the
# customer's status leaves it alone: a won customer opening a new opportunity stays won.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Event.CLAIMED: (frozenset({Lifecycle.POOL}), Lifecycle.POTENTIAL),
    Event.ASSIGNED: (frozenset({Lifecycle.POOL}), Lifecycle.POTENTIAL),
    Event.RETURNED: (frozenset(Lifecycle.values) - {Lifecycle.POOL}, Lifecycle.POOL),
    Event.OPPORTUNITY_OPENED: (frozenset({Lifecycle.POTENTIAL}), Lifecycle.OPPORTUNITY),
    Event.OPPORTUNITY_CLOSED: (frozenset({Lifecycle.OPPORTUNITY}), Lifecycle.POTENTIAL),
    Event.OPPORTUNITY_WON: (
        frozenset({Lifecycle.POTENTIAL, Lifecycle.OPPORTUNITY, Lifecycle.CHURNED}),
        Lifecycle.WON,
    ),
    Event.FIRST_ORDER: (frozenset({Lifecycle.POTENTIAL, Lifecycle.OPPORTUNITY, Lifecycle.CHURNED}), Lifecycle.WON),
    Event.CONTRACT_SIGNED: (
        frozenset({Lifecycle.POTENTIAL, Lifecycle.OPPORTUNITY, Lifecycle.CHURNED}),
        Lifecycle.WON,
    ),
    # The deal that made the customer won is undone (docs/decisions.md): back to potential; the caller
    # follows with OPPORTUNITY_OPENED when the customer still has an open opportunity.
    Event.DEAL_UNDONE: (frozenset({Lifecycle.WON}), Lifecycle.POTENTIAL),
    Event.CHURN_CONFIRMED: (frozenset({Lifecycle.WON, Lifecycle.POTENTIAL}), Lifecycle.CHURNED),
    # A churned customer's new deal (a confirmed order, a signed contract): won again, next to the churn in
    # the customer's history.
    Event.WON_AGAIN: (frozenset({Lifecycle.CHURNED}), Lifecycle.WON),
}


def status_after(status: str, event: str) -> str:
    sources, target = TRANSITIONS[event]
    return target if status in sources else status


def customer_lifecycle_event(*, customer: Customer, event: str, actor: User | None = None, note: str = "") -> bool:
    """Apply ``event`` to the customer's status; returns whether it changed. Call it inside the transaction
    of the service where the event happens, so the status and the cause land together."""
    before = customer.status
    after = status_after(before, event)
    if after == before:
        return False
    now = timezone.now()
    Customer.all_objects.filter(pk=customer.pk).update(status=after, updated_at=now)
    customer.status, customer.updated_at = after, now
    audit_log(
        actor=actor,
        action=Action.LIFECYCLE,
        obj=customer,
        changes={"status": [before, after]},
        note=" ".join(filter(None, [event, note])),  # codes: the history reads them in its reader's language
    )
    if customer.owner_id is not None and event not in (Event.CLAIMED, Event.ASSIGNED):
        from .services import expiry_refresh

        expiry_refresh(customer)  # a deal stops the no-deal clock; won customers may be exempt
    return True


def customers_returned_bulk(
    *,
    customers: Sequence[Customer],
    rows: QuerySet[Customer],
    values: Mapping[str, Any],
    changes: Mapping[int, Mapping[str, Any]] | None = None,
    notes: Mapping[int, str] | None = None,
    actor: User | None = None,
) -> int:
    """The RETURNED event for a whole batch of the pool's sweep: ONE statement moves the status together with
    the caller's other values (``rows`` is the caller's conditional queryset of these customers), and one
    audit entry per customer records the status change with the caller's other changes. ``customers``
    carry the status before. Returns the rows updated."""
    now = timezone.now()
    updated = rows.update(status=Lifecycle.POOL, updated_at=now, **values)
    audit_log_many(  # as rows, not model instances: a sweep writes them by the ten thousand
        actor=actor, action=Action.LIFECYCLE, at=now,
        changes=[(row, {"status": [row.status, Lifecycle.POOL.value], **(changes or {}).get(row.pk, {})})
                 for row in customers],
        notes={row.pk: " ".join(filter(None, [Event.RETURNED, (notes or {}).get(row.pk, "")])) for row in customers},
    )  # fmt: skip
    for row in customers:
        row.status = Lifecycle.POOL
    return updated
