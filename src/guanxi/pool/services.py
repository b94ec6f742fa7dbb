"""The public pool (公海, SPEC §3.2–3.3): claim, assign, return, lock, unlock, holding limits and the
automatic return of neglected customers (the sweep: ``pool.sweep``).

Every rule is checked inside the one transaction that writes, and races are decided by the database:
the customer moves with a conditional ``UPDATE … WHERE owner IS NULL`` (one of twenty simultaneous claims
changes a row, the others see who won), and the salesperson who receives a customer is locked first
(``SELECT … FOR NO KEY UPDATE`` of their user row), so their holdings and today's claims are counted by
one transaction at a time and never pass the caps.

Clocks (SPEC §3.2): a customer owned through the pool returns when the whole days since the later of its
claim and its last follow-up exceed N, or the whole days since the claim exceed M (no deal). The moment
it returns is stored (``Customer.expires_at``) whenever its inputs change, so the sweep is one indexed
range query; locked customers, won ones (when exempt) and pool customers have none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.scope import owner_in_scope
from guanxi.core.texts import Text
from guanxi.customers.bulk import BulkResult, each_customer, selection
from guanxi.customers.models import Customer, Lifecycle
from guanxi.customers.selectors import days_to_expiry, expiry_label, hidden_fields
from guanxi.org.models import User

from .lifecycle import Event, customer_lifecycle_event, customers_returned_bulk
from .models import Pool, PoolEvent
from .rules import (
    Limits,
    Rules,
    capacity_check,
    customer_reachable,
    days_rule_span,
    expiry_of,
    expiry_refresh,
    governing_pool,
    holdings_of,
    last_holders,
    limits_of,
    lock_holder,
    may_assign,
    may_claim,
    may_lock,
    notify_people,
    over_limit,
    pool_customers,
    pool_list,
    pool_refresh_expiry,
    pool_rules,
    pools_visible,
    unit_parameters,
    unit_pool,
)

__all__ = [
    "ClaimOutlook", "ClaimStanding", "Limits", "Rules", "capacity_check", "claim_outlook", "customer_assign",
    "customer_claim", "customer_lock", "customer_owned", "customer_reachable", "customer_return", "customer_unlock",
    "customers_claim", "customers_to_pool", "days_to_expiry", "expiry_label", "expiry_of", "expiry_refresh",
    "governing_pool", "hidden_fields", "holdings_of", "last_holders", "limits_of", "may_assign", "may_claim",
    "may_lock", "may_return", "place", "pool_customers", "pool_list", "pool_refresh_expiry", "pool_rules",
    "pools_visible", "unit_parameters", "unit_pool",
]  # fmt: skip


def _claims_today(user: User, now: datetime) -> int:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return PoolEvent.objects.filter(user=user, kind=PoolEvent.Kind.CLAIM, at__gte=midnight).count()


def _daily_cap(user: User, rules: Rules) -> int | None:
    """How many customers the user may claim a day; None for pool administrators, who are exempt."""
    return None if has_perm(user, "pool.configure") else rules.daily_claims


def _cooling(
    user: User, customers: Sequence[Customer], rules_by_pool: dict[int, Rules], now: datetime
) -> dict[int, int]:
    """Those of these customers the user returned or lost within their pool's cool-down (counted like the
    clocks: still cooling on day C): id → its days."""
    longest = max((rules.cooldown_days for rules in rules_by_pool.values()), default=0)
    if not longest:
        return {}
    recent = PoolEvent.objects.filter(
        user=user,
        customer__in=list(customers),
        kind__in=[PoolEvent.Kind.RETURN, PoolEvent.Kind.RECLAIM, PoolEvent.Kind.CONFLICT],
        at__gt=now - days_rule_span(longest),
    ).values_list("customer_id", "at")
    pools = {row.pk: row.pool_id or 0 for row in customers}
    cooling: dict[int, int] = {}
    for customer_id, at in recent:
        days = rules_by_pool[pools[customer_id]].cooldown_days
        if now < at + days_rule_span(days):
            cooling[customer_id] = days
    return cooling


def _cooling_message(customer: Customer, days: int) -> str:
    return _(
        "You returned or lost %(name)s within the pool's cool-down of %(days)d days; someone else may claim it first."
    ) % {"name": customer.name, "days": days}


@dataclass(frozen=True)
class ClaimStanding:
    """Where the user stands against the caps a claim is checked with (SPEC §3.2): today's claims against
    the daily cap (None: exempt) and the customers held against the holding limit."""

    claimed_today: int
    daily_claims: int | None
    held: int
    holding_limit: int

    @property
    def claims_left(self) -> int | None:
        return None if self.daily_claims is None else max(self.daily_claims - self.claimed_today, 0)


@dataclass(frozen=True)
class ClaimOutlook:
    """What a page shows before a claim: the standing, and why some customers cannot be claimed yet
    (id → the cool-down's refusal), so their claim button is disabled with the reason."""

    standing: ClaimStanding
    cooling: dict[int, str]


def claim_outlook(actor: User, customers: Sequence[Customer], now: datetime | None = None) -> ClaimOutlook | None:
    """The claim rule's figures and cool-down for these pool customers (their ``pool`` loaded, as the pool
    list and the 360 page have it); None for someone who does not claim."""
    if actor.business_unit_id is None or not has_perm(actor, "pool.edit"):
        return None
    now = now or timezone.now()
    parameters = unit_parameters(actor.business_unit_id)
    rules = pool_rules(governing_pool(actor, actor.business_unit_id), parameters)
    limits = limits_of(actor, parameters)
    standing = ClaimStanding(
        claimed_today=_claims_today(actor, now),
        daily_claims=_daily_cap(actor, rules),
        held=holdings_of(actor, limits),
        holding_limit=limits.holding,
    )
    source_rules = {row.pool_id or 0: pool_rules(row.pool or Pool(), parameters) for row in customers}
    cooling = _cooling(actor, customers, source_rules, now)
    by_id = {row.pk: row for row in customers}
    return ClaimOutlook(standing, {pk: _cooling_message(by_id[pk], days) for pk, days in cooling.items()})


# --- claim, assign ----------------------------------------------------------------------------------------


def _already_claimed(customer: Customer, actor: User) -> Conflict:
    owner = User.objects.filter(owned_customers__pk=customer.pk).first()
    if owner is None:
        return Conflict(_("This customer is no longer in the pool."), code="already_claimed")
    if owner == actor:
        return Conflict(_("%(name)s is yours already.") % {"name": customer.name}, code="already_claimed")
    return Conflict(
        _("%(name)s was already claimed by %(owner)s.") % {"name": customer.name, "owner": owner},
        code="already_claimed",
    )


def _take(customer: Customer, owner: User, pool: Pool, rules: Rules, now: datetime) -> bool:
    """The conditional update that decides the race: the customer moves only if it is still unowned."""
    customer.owner, customer.claimed_at, customer.pool, customer.locked_at = owner, now, pool, None
    status = customer.status
    customer.status = Lifecycle.POTENTIAL if status == Lifecycle.POOL else status
    expires = expiry_of(customer, rules)
    customer.status = status
    changed = Customer.objects.filter(pk=customer.pk, owner__isnull=True).update(
        owner=owner,
        claimed_at=now,
        pool=pool,
        expires_at=expires,
        locked_at=None,
        locked_by=None,
        pooled_at=None,
        updated_at=now,
    )
    customer.expires_at = expires
    return bool(changed)


@transaction.atomic
def customer_claim(*, actor: User, customer: Customer) -> Customer:
    """领取: the actor takes a customer from a pool they see, first come first served."""
    return customers_claim(actor=actor, customers=[customer])[0]


MAX_BATCH_CLAIM = 100


@transaction.atomic
def customers_claim_selected(*, actor: User, ids: Iterable[int | str]) -> list[Customer]:
    """批量领取: the selected customers of the pools the actor sees, all or none."""
    wanted = {int(raw) for raw in ids if str(raw).isdigit()}
    if not wanted:
        raise DomainError(_("Select at least one customer."), field="ids")
    customers = list(pool_customers(actor).filter(pk__in=wanted).order_by("pk")[:MAX_BATCH_CLAIM])
    if len(customers) != len(wanted):
        message = _("Some of the selected customers are no longer in the pool; nothing was claimed.")
        raise Conflict(message, field="ids", code="not_in_pool")
    return customers_claim(actor=actor, customers=customers)


@transaction.atomic
def customers_claim(*, actor: User, customers: Sequence[Customer]) -> list[Customer]:
    """Claim several pool customers at once: all of them or none (a batch that would pass the daily cap
    or the holding limit fails whole)."""
    require_perm(actor, "pool.edit")
    if not customers:
        raise DomainError(_("Select at least one customer."))
    now = timezone.now()
    visible = set(pool_customers(actor).filter(pk__in=[row.pk for row in customers]).values_list("pk", flat=True))
    for customer in customers:
        if customer.pk not in visible:
            if customer.owner_id is not None or Customer.objects.filter(pk=customer.pk, owner__isnull=False).exists():
                raise _already_claimed(customer, actor)
            raise NotPermitted(_("This customer is not in a pool you can claim from."))
    if actor.business_unit_id is None or any(row.business_unit_id != actor.business_unit_id for row in customers):
        raise NotPermitted(_("You can claim only customers of your own business unit."))
    lock_holder(actor)
    pool = governing_pool(actor, actor.business_unit_id)
    parameters = unit_parameters(actor.business_unit_id)
    rules = pool_rules(pool, parameters)
    source_rules = _rules_of_pools({row.pool_id or 0 for row in customers}, parameters)
    cooling = _cooling(actor, customers, source_rules, now)
    for customer in customers:
        if customer.pk in cooling:
            raise DomainError(_cooling_message(customer, cooling[customer.pk]), code="cooling_down")
    cap = _daily_cap(actor, rules)
    if cap is not None:
        done = _claims_today(actor, now)
        if done + len(customers) > cap:
            raise DomainError(
                _("You may claim %(limit)d customers a day and have claimed %(done)d today.")
                % {"limit": cap, "done": done},
                code="claim_limit",
            )
    limits = limits_of(actor)
    held = over_limit(actor, limits, len(customers))
    if held is not None:
        raise DomainError(
            _("You already hold %(held)d customers; the limit is %(limit)d. Return some before claiming more.")
            % {"held": held, "limit": limits.holding},
            code="holding_limit",
        )
    for customer in customers:
        if not _take(customer, actor, pool, rules, now):
            raise _already_claimed(customer, actor)
        customer_lifecycle_event(customer=customer, event=Event.CLAIMED, actor=actor)
        PoolEvent.objects.create(customer=customer, user=actor, actor=actor, kind=PoolEvent.Kind.CLAIM, at=now)
        audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"owner": [None, actor.pk]}, note="claim")
    return list(customers)


def _rules_of_pools(pool_ids: set[int], parameters: dict[str, Any]) -> dict[int, Rules]:
    """The rules of the pools the customers come from, in one query (0: no pool, the unit's parameters)."""
    pools = Pool.objects.in_bulk(pool_ids - {0})
    return {pool_id: pool_rules(pools.get(pool_id) or Pool(), parameters) for pool_id in pool_ids}


@transaction.atomic
def customer_assign(*, actor: User, customer: Customer, owner: User, note: str = "") -> Customer:
    """分配: a manager gives a pool customer to a colleague within their scope."""
    require_perm(actor, "pool.assign")
    if not pool_customers(actor).filter(pk=customer.pk).exists():
        if Customer.objects.filter(pk=customer.pk, owner__isnull=False).exists():
            raise _already_claimed(customer, actor)
        raise NotPermitted(_("This customer is not in a pool you manage."))
    _check_recipient(actor, customer, owner)
    capacity_check(owner=owner)
    now = timezone.now()
    pool = governing_pool(owner, customer.business_unit_id)
    if not _take(customer, owner, pool, pool_rules(pool), now):
        raise _already_claimed(customer, actor)
    customer_lifecycle_event(customer=customer, event=Event.ASSIGNED, actor=actor, note=note)
    PoolEvent.objects.create(customer=customer, user=owner, actor=actor, kind=PoolEvent.Kind.ASSIGN, note=note, at=now)
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"owner": [None, owner.pk]}, note=note)
    notify_people(
        [owner] if owner.pk != actor.pk else [],
        "pool_assigned",
        Text(gettext_noop("{actor} assigned you the customer {name} from the pool"), actor=actor, name=customer.name),
        customer,
    )
    return customer


def _check_recipient(actor: User, customer: Customer, owner: User) -> None:
    if not owner.is_active:
        raise DomainError(_("Choose an active colleague."), field="owner")
    if owner.business_unit_id != customer.business_unit_id:
        raise DomainError(_("The new owner works in another business unit."), field="owner")
    if not owner_in_scope(actor, "customers", owner):
        raise DomainError(_("Choose a colleague within your data scope."), field="owner")


# --- return -------------------------------------------------------------------------------------------------


def may_return(actor: User, customer: Customer) -> bool:
    """The owner returns their own customers; a manager (``pool.assign``) those in their scope."""
    if customer.owner_id is None or not has_perm(actor, "pool.edit"):
        return False
    if customer.owner_id == actor.pk:
        return True
    return has_perm(actor, "pool.assign") and Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()


@transaction.atomic
def customer_return(*, actor: User, customer: Customer, reason: str, note: str = "") -> Customer:
    """退回: the customer goes back to its pool with a reason from the dictionary."""
    if not may_return(actor, customer):
        raise NotPermitted(_("You may return only your own customers."))
    reason = dictionary_validate("return_reason", reason, field="reason")
    if customer.locked_at is not None:
        raise DomainError(_("This customer is locked; a manager must unlock it first."), code="locked")
    previous = customer.owner
    assert previous is not None
    _release(actor, [customer], PoolEvent.Kind.RETURN, reason=reason, note=note, unlocked_only=True)
    if previous.pk != actor.pk:
        notify_people(
            [previous],
            "pool_returned",
            Text(gettext_noop("{actor} returned your customer {name} to the pool"), actor=actor, name=customer.name),
            customer,
        )
    return customer


def _release(
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
    PoolEvent.objects.bulk_create(
        PoolEvent(customer_id=pk, user_id=owner or 0, actor=actor, kind=kind, reason=reasons[pk], at=at)
        for pk, owner in owners.items()
    )


# --- lock, unlock -----------------------------------------------------------------------------------------


def _require_manager_of(actor: User, customer: Customer) -> None:
    require_perm(actor, "pool.assign")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    if customer.owner_id is None:
        raise DomainError(_("A customer in the pool cannot be locked."), code="in_pool")


@transaction.atomic
def customer_lock(*, actor: User, customer: Customer, note: str = "") -> Customer:
    """锁定: a manager keeps the customer with its owner; it never returns automatically until unlocked."""
    _require_manager_of(actor, customer)
    owner = customer.owner
    assert owner is not None
    lock_holder(owner)
    limits = limits_of(owner)
    locked = Customer.objects.filter(owner=owner, locked_at__isnull=False).count()
    if locked + 1 > limits.locks:
        raise DomainError(
            _("%(name)s already has %(count)d locked customers; the limit is %(limit)d.")
            % {"name": owner, "count": locked, "limit": limits.locks},
            code="lock_limit",
        )
    now = timezone.now()
    changed = Customer.objects.filter(pk=customer.pk, owner=owner, locked_at__isnull=True).update(
        locked_at=now, locked_by=actor, expires_at=None, updated_at=now
    )
    if not changed:
        raise Conflict(_("This customer is already locked."), code="already_locked")
    customer.locked_at, customer.locked_by, customer.expires_at = now, actor, None
    PoolEvent.objects.create(
        customer=customer, user=owner, actor=actor, kind=PoolEvent.Kind.LOCK, note=note[:200], at=now
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes={"locked": [False, True]}, note=note)
    return customer


@transaction.atomic
def customer_unlock(*, actor: User, customer: Customer, note: str = "") -> Customer:
    """Unlocking starts the clocks afresh, as if claimed now."""
    _require_manager_of(actor, customer)
    now = timezone.now()
    changed = Customer.objects.filter(pk=customer.pk, locked_at__isnull=False).update(
        locked_at=None, locked_by=None, claimed_at=now, updated_at=now
    )
    if not changed:
        raise Conflict(_("This customer is not locked."), code="not_locked")
    customer.locked_at, customer.locked_by, customer.claimed_at = None, None, now
    expiry_refresh(customer)
    assert customer.owner is not None
    PoolEvent.objects.create(
        customer=customer, user=customer.owner, actor=actor, kind=PoolEvent.Kind.UNLOCK, note=note[:200], at=now
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes={"locked": [True, False]}, note=note)
    return customer


# --- hooks for the customer services -------------------------------------------------------------------


def place(customer: Customer, now: datetime) -> None:
    """Before a new customer is saved: governed by its owner's pool, its clocks starting now."""
    assert customer.owner is not None
    pool = governing_pool(customer.owner, customer.business_unit_id)
    customer.pool, customer.claimed_at = pool, now
    customer.expires_at = expiry_of(customer, pool_rules(pool))


def customer_owned(customer: Customer, now: datetime | None = None) -> None:
    """A customer was just given to an owner outside the pool (created, transferred, won in a conflict):
    it is governed by the new owner's pool and its clocks start now. Saves the pool fields."""
    now = now or timezone.now()
    assert customer.owner is not None
    pool = governing_pool(customer.owner, customer.business_unit_id)
    customer.pool, customer.claimed_at, customer.locked_at, customer.locked_by = pool, now, None, None
    customer.expires_at = expiry_of(customer, pool_rules(pool))
    Customer.all_objects.filter(pk=customer.pk).update(
        pool=pool, claimed_at=now, expires_at=customer.expires_at, locked_at=None, locked_by=None
    )


@transaction.atomic
def customers_bulk_return(*, actor: User, ids: Iterable[int | str], reason: str, note: str = "") -> BulkResult:
    """Return the selected customers to their pools with one reason; all or none."""
    require_perm(actor, "pool.edit")
    customers, ignored = selection(actor, ids)
    owned = [customer for customer in customers if customer.owner_id is not None]
    each_customer(owned, lambda customer: customer_return(actor=actor, customer=customer, reason=reason, note=note))
    return BulkResult(len(owned), ignored)


def register() -> None:
    """A departing salesperson's customers are handed over with everything else, or go back to their pools
    (SPEC §1.4); the notifications the pool sends."""
    from guanxi.core.notifications.kinds import register_kind
    from guanxi.org import handover

    handover.register_owned(handover.OwnedType(Customer, "owner", gettext_lazy("Customers"), to_pool=customers_to_pool))
    register_kind("pool_assigned", gettext_lazy("Customers assigned to me from the pool"))
    register_kind("pool_returned", gettext_lazy("My customers returned to the pool by someone else"))
    register_kind("pool_expiry_warning", gettext_lazy("My customers about to return to the pool"), default_email=True)
    register_kind("pool_reclaimed", gettext_lazy("My customers returned to the pool automatically"))
    register_kind("conflict", gettext_lazy("Conflict cases about my customers"))
