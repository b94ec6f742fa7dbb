"""Return (退回): a salesperson gives a customer back, the handover and the sweep put many back at once; each
released customer's open plans close and its status moves to returned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.bulk import rows_insert
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.outbox import emit, emit_many
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.texts import Text
from guanxi.customers.bulk import BulkResult, each_customer, selection
from guanxi.customers.models import Customer
from guanxi.org.models import User

from ..lifecycle import Event, customer_lifecycle_event, customers_returned_bulk
from ..models import Pool, PoolEvent
from ..rules import governing_pool, notify_people


def may_return(actor: User, customer: Customer) -> bool:
    """The owner returns their own customers; a manager (``pool.assign``) those in their scope."""
    if customer.owner_id is None or not has_perm(actor, "pool.edit"):
        return False
    if customer.owner_id == actor.pk:
        return True
    return has_perm(actor, "pool.assign") and Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()


@transaction.atomic
def customer_return(
    *, actor: User, customer: Customer, reason: str, note: str = "", pool: Pool | None = None
) -> Customer:
    """退回: the customer goes back to its pool (or the one chosen, where the unit has several) with a
    reason from the dictionary."""
    if not may_return(actor, customer):
        raise NotPermitted(_("You may return only your own customers."))
    reason = dictionary_validate("return_reason", reason, field="reason")
    if pool is not None:
        from .moves import pool_destination_check

        pool_destination_check(actor, pool, customer.business_unit_id)
        customer.pool, customer.pool_id = pool, pool.pk
    if customer.locked_at is not None:
        raise DomainError(_("This customer is locked; a manager must unlock it first."), code="locked")
    previous = customer.owner
    assert previous is not None
    customers_release(actor, [customer], PoolEvent.Kind.RETURN, reason=reason, note=note, unlocked_only=True)
    if previous.pk != actor.pk:
        notify_people(
            [previous],
            "pool_returned",
            Text(gettext_noop("{actor} returned your customer {name} to the pool"), actor=actor, name=customer.name),
            customer,
        )
    return customer


def customers_release(
    actor: User | None,
    customers: Sequence[Customer],
    kind: str,
    *,
    reason: str,
    note: str = "",
    unlocked_only: bool = False,
) -> int:
    """Put owned customers back into their pools (conditional on who owns them now, and with
    ``unlocked_only`` on nobody having locked them meanwhile)."""
    from guanxi.activities.services import customer_plans_close

    now = timezone.now()
    released = 0
    for customer in customers:
        owner_id = customer.owner_id
        if owner_id is None:
            continue
        pool = customer.pool if customer.pool_id else governing_pool(customer.owner, customer.business_unit_id)  # type: ignore[arg-type]
        rows = Customer.objects.filter(pk=customer.pk, owner_id=owner_id)
        if unlocked_only:
            if rows.filter(locked_at__isnull=False).exists():
                raise DomainError(_("This customer is locked; a manager must unlock it first."), code="locked")
            rows = rows.filter(locked_at__isnull=True)
        changed = rows.update(
            owner=None,
            pool=pool,
            pooled_at=now,
            claimed_at=None,
            expires_at=None,
            locked_at=None,
            locked_by=None,
            updated_at=now,
        )
        if not changed:
            raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
        customer.owner, customer.pool, customer.expires_at, customer.locked_at = None, pool, None, None
        customer_lifecycle_event(customer=customer, event=Event.RETURNED, actor=actor, note=reason)
        emit("customer.returned", customer, actor=actor, data={"reason": reason})
        customer_plans_close(customer=customer, reason=reason, actor=actor)  # nobody is to follow it up now
        PoolEvent.objects.create(
            customer=customer, user_id=owner_id, actor=actor, kind=kind, reason=reason, note=note[:200], at=now
        )
        audit_log(
            actor=actor,
            action=Action.OWNERSHIP,
            obj=customer,
            changes={"owner": [owner_id, None]},
            note=" ".join(filter(None, [reason, note])),
        )
        released += 1
    return released


def customers_to_pool(actor: User, rows: QuerySet[Customer]) -> int:
    """The handover's "return to the pool" (SPEC §1.4): every customer of a departing user (``rows``), in a
    few statements per thousand customers. A departure unlocks: nothing may stay with the departed user."""
    now = timezone.now()
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), RELEASE_BATCH):
        batch = rows.filter(pk__in=ids[start : start + RELEASE_BATCH])
        customers = list(batch.select_related("owner__department").order_by("pk"))
        for customer in customers:
            if customer.pool_id is None:  # registered before the pools: file it under its pool first
                assert customer.owner is not None
                customer.pool = governing_pool(customer.owner, customer.business_unit_id)
                Customer.all_objects.filter(pk=customer.pk).update(pool=customer.pool)
        customers_release_bulk(
            actor=actor,
            customers=customers,
            rows=batch,
            kind=PoolEvent.Kind.RETURN,
            reasons={customer.pk: "owner_left" for customer in customers},
            cause="owner_left",
            at=now,
            unlock=True,
        )
    return len(ids)


RELEASE_BATCH = 2000


def customers_release_bulk(
    *,
    actor: User | None,
    customers: Sequence[Customer],
    rows: QuerySet[Customer],
    kind: str,
    reasons: Mapping[int, str],
    cause: str,
    at: datetime,
    unlock: bool = False,
) -> None:
    """Return a batch of owned customers to their pools in a few statements (the reclaim sweep, a departing
    owner's handover): one UPDATE of ``rows`` — the caller's conditional queryset of exactly these customers —
    with an audit entry and a pool event per customer, and their open plans cancelled (``cause`` is the
    plans' reason). ``customers`` carry their owner and status before; each stays filed under its pool."""
    from guanxi.activities.services import customers_plans_close

    values = {"owner": None, "pooled_at": at, "claimed_at": None, "expires_at": None, "next_followup_at": None}
    if unlock:
        values |= {"locked_at": None, "locked_by": None}
    owners = {row.pk: row.owner_id for row in customers}
    changed = customers_returned_bulk(
        customers=customers,
        rows=rows,
        values=values,
        changes={pk: {"owner": [owner, None]} for pk, owner in owners.items()},
        notes={pk: " ".join(dict.fromkeys([cause, reasons[pk]])) for pk in owners},
        actor=actor,
    )
    if changed != len(customers):  # the transaction keeps the batch whole
        raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
    customers_plans_close(customer_ids=list(owners), reason=cause)
    emit_many("customer.returned", customers, actor=actor, data={"reason": cause})
    actor_id = actor.pk if actor else None
    rows_insert(
        PoolEvent,
        ["customer", "user", "actor", "kind", "reason", "note", "at"],
        [(pk, owner or 0, actor_id, kind, reasons[pk], "", at) for pk, owner in owners.items()],
    )


@transaction.atomic
def customers_bulk_return(
    *, actor: User, ids: Iterable[int | str], reason: str, note: str = "", pool: Pool | None = None
) -> BulkResult:
    """Return the selected customers to their pools (or all to the one chosen) with one reason; all or none."""
    require_perm(actor, "pool.edit")
    customers, ignored = selection(actor, ids)
    owned = [customer for customer in customers if customer.owner_id is not None]
    each_customer(
        owned,
        lambda customer: customer_return(actor=actor, customer=customer, reason=reason, note=note, pool=pool),
    )
    return BulkResult(len(owned), ignored)
