"""Claim and assign (领取, 分配): who may take a customer from the pool, how many today, after which cool-down, and
the conditional ``UPDATE`` that lets one of many simultaneous claims win."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.outbox import emit
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.scope import owner_in_scope
from guanxi.core.texts import Text
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User

from ..lifecycle import Event, customer_lifecycle_event
from ..models import Pool, PoolEvent
from ..rules import (
    Rules,
    capacity_check,
    days_rule_span,
    expiry_of,
    governing_pool,
    holdings_of,
    limits_of,
    lock_holder,
    notify_people,
    over_limit,
    pool_customers,
    pool_rules,
    unit_parameters,
)


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
        emit("customer.claimed", customer, actor=actor)
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


# --- a customer given an owner outside the pool (the customers' own writes, see pool.ownership) --------------


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
