"""The public pool (公海, SPEC §3.2–3.3): claim, assign, return, lock, unlock, holding limits and the
automatic return of neglected customers.

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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.parameters import PARAMETERS
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry, ParameterValue
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.scope import owner_in_scope
from guanxi.org.models import Department, User

from .lifecycle import Event, customer_lifecycle_event, customers_returned_bulk
from .models import Customer, HoldingLimit, Lifecycle, Pool, PoolEvent

DAY = timedelta(days=1)
# The statuses whose deal is done: only the follow-up clock runs (and none for won customers when exempt).
DEAL_DONE = (Lifecycle.WON, Lifecycle.CHURNED)
SWEEP_BATCH = 2000


# --- rules of a pool --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    no_followup_days: int
    no_deal_days: int
    warning_days: int
    cooldown_days: int
    daily_claims: int
    won_exempt: bool

    @property
    def stamp(self) -> str:
        """What the stored expiry times depend on."""
        return f"{self.no_followup_days}/{self.no_deal_days}/{int(self.won_exempt)}"


def unit_parameters(unit_id: int | None) -> dict[str, Any]:
    """Every ``pool.*`` parameter of the unit (its value, else the default), with one query."""
    values = {code: parameter.default for code, parameter in PARAMETERS.items() if code.startswith("pool.")}
    if unit_id is not None:
        stored = ParameterValue.objects.filter(business_unit_id=unit_id, code__startswith="pool.")
        for code, value in stored.values_list("code", "value"):
            if code in PARAMETERS:
                values[code] = PARAMETERS[code].from_json(value)
    return values


def pool_rules(pool: Pool, parameters: dict[str, Any] | None = None) -> Rules:
    """The pool's own rules where it sets them, the unit's parameters elsewhere."""
    unit = parameters if parameters is not None else unit_parameters(pool.business_unit_id)

    def pick(own: Any, code: str) -> Any:
        return unit[code] if own is None else own

    return Rules(
        no_followup_days=pick(pool.no_followup_days, "pool.no_followup_days"),
        no_deal_days=pick(pool.no_deal_days, "pool.no_deal_days"),
        warning_days=pick(pool.warning_days, "pool.warning_days"),
        cooldown_days=pick(pool.cooldown_days, "pool.cooldown_days"),
        daily_claims=pick(pool.daily_claims, "pool.daily_claims"),
        won_exempt=pick(pool.won_exempt, "pool.won_exempt"),
    )


def unit_pool(unit_id: int) -> Pool:
    """The business unit's pool, made on first use (two first uses at once make one)."""
    pool = Pool.objects.filter(business_unit_id=unit_id, department__isnull=True).first()
    if pool:
        return pool
    from guanxi.org.models import BusinessUnit

    unit = BusinessUnit.objects.get(pk=unit_id)
    try:
        with transaction.atomic():
            return Pool.objects.create(business_unit=unit, name=_("%(unit)s public pool") % {"unit": unit.name})
    except IntegrityError:
        return Pool.objects.get(business_unit_id=unit_id, department__isnull=True)


def _department_ids(department: Department | None) -> list[int]:
    """The department and its ancestors, nearest first (from the stored path "/1/4/9/")."""
    if department is None:
        return []
    return [int(part) for part in reversed(department.path.strip("/").split("/")) if part] or [department.pk]


def governing_pool(owner: User, unit_id: int) -> Pool:
    """The most specific pool for a customer of this owner: their department's, else the nearest
    ancestor department's, else the unit's (SPEC §3.2)."""
    if owner.department and owner.department.business_unit_id == unit_id:
        nearest = _department_ids(owner.department)
        pools = {pool.department_id: pool for pool in Pool.objects.filter(department_id__in=nearest)}
        for department_id in nearest:
            if department_id in pools:
                return pools[department_id]
    return unit_pool(unit_id)


# --- visibility -----------------------------------------------------------------------------------------


def pools_visible(actor: User) -> QuerySet[Pool]:
    """The pools the actor sees and claims from: their unit's pool and the pools of their department
    and the departments above it; a manager's or admin's data scope adds the departments below (or the
    whole unit, or every unit)."""
    if not has_perm(actor, "pool.view"):
        return Pool.objects.none()
    own = Q(business_unit_id=actor.business_unit_id, department__isnull=True) if actor.business_unit_id else Q()
    if actor.department_id:
        own |= Q(department_id__in=_department_ids(actor.department))
    scoped = Pool.objects.visible_to(actor).values("pk")
    return Pool.objects.filter(Q(pk__in=scoped) | own) if own else Pool.objects.filter(pk__in=scoped)


def pool_customers(actor: User) -> QuerySet[Customer]:
    """The unowned customers of the pools the actor sees: the pool list's rows."""
    return Customer.objects.filter(owner__isnull=True, pool__in=pools_visible(actor).values("pk"))


def customer_reachable(actor: User, pk: Any, *, claiming: bool = False) -> Customer:
    """One customer the actor may see: through the data scope, or lying in a pool they see. 404 else.
    When ``claiming``, also one claimed from such a pool within the last day, so that the loser of a race
    hears who won rather than "not found"."""
    from django.http import Http404

    reachable = Customer.objects.visible_to(actor) | pool_customers(actor)
    if claiming:
        claimed = PoolEvent.objects.filter(
            kind__in=[PoolEvent.Kind.CLAIM, PoolEvent.Kind.ASSIGN], at__gte=timezone.now() - DAY
        ).values("customer_id")
        recently = Customer.objects.filter(pool__in=pools_visible(actor).values("pk"), pk__in=claimed)
        reachable = reachable | recently
    try:
        return reachable.select_related("owner", "pool", "locked_by").get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- expiry ---------------------------------------------------------------------------------------------


def expiry_of(customer: Customer, rules: Rules) -> datetime | None:
    """When the customer returns to the pool unless something happens first; None when it never does."""
    if customer.owner_id is None or customer.claimed_at is None or customer.locked_at is not None:
        return None
    start = max(customer.claimed_at, customer.last_followup_at or customer.claimed_at)
    followup = start + (rules.no_followup_days + 1) * DAY
    if customer.status in DEAL_DONE:
        return None if customer.status == Lifecycle.WON and rules.won_exempt else followup
    return min(followup, customer.claimed_at + (rules.no_deal_days + 1) * DAY)


def expiry_reason(customer: Customer, rules: Rules) -> str:
    """Which clock ran out: ``no_followup`` or ``no_deal``."""
    assert customer.claimed_at is not None
    start = max(customer.claimed_at, customer.last_followup_at or customer.claimed_at)
    followup = start + (rules.no_followup_days + 1) * DAY
    if customer.status in DEAL_DONE:
        return "no_followup"
    return "no_followup" if followup <= customer.claimed_at + (rules.no_deal_days + 1) * DAY else "no_deal"


def days_to_expiry(expires_at: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days the owner has left (距到期天数): N on the day of the claim, 0 on the last day."""
    if expires_at is None:
        return None
    left = (expires_at - (now or timezone.now())) / DAY
    return max(math.ceil(left) - 1, 0)


def _expiry_expression(rules: Rules) -> Any:
    """``expiry_of`` as SQL, for recomputing a whole pool in one statement."""
    start = Greatest(F("claimed_at"), Coalesce(F("last_followup_at"), F("claimed_at")))
    followup = ExpressionWrapper(start + (rules.no_followup_days + 1) * DAY, output_field=DateTimeField())
    deal = ExpressionWrapper(F("claimed_at") + (rules.no_deal_days + 1) * DAY, output_field=DateTimeField())
    never = Value(None, output_field=DateTimeField())
    won = never if rules.won_exempt else followup
    return Case(
        When(Q(owner__isnull=True) | Q(claimed_at__isnull=True) | Q(locked_at__isnull=False), then=never),
        When(status=Lifecycle.WON, then=won),
        When(status=Lifecycle.CHURNED, then=followup),
        default=Least(followup, deal),
        output_field=DateTimeField(),
    )


def pool_refresh_expiry(pool: Pool, rules: Rules | None = None, *, force: bool = False) -> int:
    """Recompute the expiry times of the pool's owned customers when its effective rules changed since
    they were computed (a parameter of the unit or of the pool changed). Returns the rows touched."""
    rules = rules or pool_rules(pool)
    if pool.rules_stamp == rules.stamp and not force:
        return 0
    with transaction.atomic():
        changed = Pool.objects.filter(pk=pool.pk).exclude(rules_stamp=rules.stamp).update(rules_stamp=rules.stamp)
        if not changed and not force:
            return 0  # another worker did it just now
        count = Customer.all_objects.filter(pool=pool, owner__isnull=False).update(expires_at=_expiry_expression(rules))
    pool.rules_stamp = rules.stamp
    return count


def expiry_refresh(customer: Customer) -> None:
    """Store the customer's expiry after one of its inputs changed (a follow-up, a status, a lock),
    computed from the row as it is now in the database (the caller's copy may be older)."""
    fresh = (
        Customer.all_objects.filter(pk=customer.pk)
        .only("pk", "owner_id", "pool_id", "claimed_at", "last_followup_at", "locked_at", "status", "expires_at")
        .first()
    )
    if fresh is None or fresh.pool_id is None:
        return
    expires = expiry_of(fresh, pool_rules(Pool.objects.get(pk=fresh.pool_id)))
    if expires != fresh.expires_at:
        Customer.all_objects.filter(pk=customer.pk).update(expires_at=expires)
    customer.expires_at = expires


# --- holding limits (库容) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    holding: int
    locks: int
    won_counts: bool


def limits_of(user: User) -> Limits:
    """The user's own override, else their nearest department's, else the unit's parameters."""
    unit = unit_parameters(user.business_unit_id)
    holding, locks, won = unit["pool.holding_limit"], unit["pool.lock_limit"], unit["pool.won_counts_toward_limit"]
    nearest = _department_ids(user.department)
    overrides = list(HoldingLimit.objects.filter(Q(user=user) | Q(department_id__in=nearest)))
    # widest first, so the most specific setting is applied last
    order = {department_id: index for index, department_id in enumerate(reversed(nearest))}
    overrides.sort(key=lambda row: len(order) if row.user_id else order.get(row.department_id or 0, -1))
    for row in overrides:
        holding = row.holding_limit if row.holding_limit is not None else holding
        locks = row.lock_limit if row.lock_limit is not None else locks
        won = row.won_counts if row.won_counts is not None else won
    return Limits(holding, locks, won)


def holdings_of(user: User, limits: Limits | None = None) -> int:
    """How many customers count toward the user's holding limit."""
    limits = limits or limits_of(user)
    owned = Customer.objects.filter(owner=user)
    return owned.count() if limits.won_counts else owned.exclude(status=Lifecycle.WON).count()


def _lock_holder(user: User) -> None:
    """Serialise everything that gives this user customers: one transaction at a time counts and adds.
    (FOR NO KEY UPDATE: rows that merely refer to the user, e.g. audit entries, are not blocked.)"""
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True))


def capacity_check(*, owner: User, adding: int = 1) -> None:
    """Refuse when ``owner`` would hold more customers than allowed (SPEC §3.2). Call it inside the
    transaction that gives the customers; it locks the owner until that transaction ends."""
    if adding <= 0:
        return
    _lock_holder(owner)
    limits = limits_of(owner)
    held = holdings_of(owner, limits)
    if held + adding > limits.holding:
        raise DomainError(
            _("%(name)s already holds %(held)d customers; the limit is %(limit)d.")
            % {"name": owner, "held": held, "limit": limits.holding},
            field="owner",
            code="holding_limit",
        )


def _claims_today(user: User, now: datetime) -> int:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return PoolEvent.objects.filter(user=user, kind=PoolEvent.Kind.CLAIM, at__gte=midnight).count()


def _cooling(
    user: User, customers: Sequence[Customer], rules_by_pool: dict[int, Rules], now: datetime
) -> Customer | None:
    """The first of these customers the user returned or lost within the pool's cool-down."""
    longest = max((rules.cooldown_days for rules in rules_by_pool.values()), default=0)
    if not longest:
        return None
    recent = PoolEvent.objects.filter(
        user=user,
        customer__in=list(customers),
        kind__in=[PoolEvent.Kind.RETURN, PoolEvent.Kind.RECLAIM, PoolEvent.Kind.CONFLICT],
        at__gte=now - longest * DAY,
    ).values_list("customer_id", "at")
    for customer_id, at in recent:
        customer = next(row for row in customers if row.pk == customer_id)
        if at >= now - rules_by_pool[customer.pool_id or 0].cooldown_days * DAY:
            return customer
    return None


# --- claim, assign ----------------------------------------------------------------------------------------


def _already_claimed(customer: Customer) -> Conflict:
    owner = User.objects.filter(owned_customers__pk=customer.pk).first()
    if owner is None:
        return Conflict(_("This customer is no longer in the pool."), code="already_claimed")
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
        warned_expiry=None,
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
                raise _already_claimed(customer)
            raise NotPermitted(_("This customer is not in a pool you can claim from."))
    if actor.business_unit_id is None or any(row.business_unit_id != actor.business_unit_id for row in customers):
        raise NotPermitted(_("You can claim only customers of your own business unit."))
    _lock_holder(actor)
    pool = governing_pool(actor, actor.business_unit_id)
    parameters = unit_parameters(actor.business_unit_id)
    rules = pool_rules(pool, parameters)
    source_rules = {row.pool_id or 0: _rules_of_pool_id(row.pool_id, parameters) for row in customers}
    cooling = _cooling(actor, customers, source_rules, now)
    if cooling is not None:
        days = source_rules[cooling.pool_id or 0].cooldown_days
        raise DomainError(
            _("You returned or lost %(name)s less than %(days)d days ago; someone else may claim it first.")
            % {"name": cooling.name, "days": days},
            code="cooling_down",
        )
    if not has_perm(actor, "pool.configure"):  # pool administrators are exempt from the daily cap
        done = _claims_today(actor, now)
        if done + len(customers) > rules.daily_claims:
            raise DomainError(
                _("You may claim %(limit)d customers a day and have claimed %(done)d today.")
                % {"limit": rules.daily_claims, "done": done},
                code="claim_limit",
            )
    limits = limits_of(actor)
    held = holdings_of(actor, limits)
    if held + len(customers) > limits.holding:
        raise DomainError(
            _("You already hold %(held)d customers; the limit is %(limit)d. Return some before claiming more.")
            % {"held": held, "limit": limits.holding},
            code="holding_limit",
        )
    for customer in customers:
        if not _take(customer, actor, pool, rules, now):
            raise _already_claimed(customer)
        customer_lifecycle_event(customer=customer, event=Event.CLAIMED, actor=actor)
        PoolEvent.objects.create(customer=customer, user=actor, actor=actor, kind=PoolEvent.Kind.CLAIM, at=now)
        audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"owner": [None, actor.pk]}, note="claim")
    return list(customers)


def _rules_of_pool_id(pool_id: int | None, parameters: dict[str, Any]) -> Rules:
    pool = Pool.objects.filter(pk=pool_id).first() if pool_id else None
    return pool_rules(pool, parameters) if pool else pool_rules(Pool(), parameters)


@transaction.atomic
def customer_assign(*, actor: User, customer: Customer, owner: User, note: str = "") -> Customer:
    """分配: a manager gives a pool customer to a colleague within their scope."""
    require_perm(actor, "pool.assign")
    if not pool_customers(actor).filter(pk=customer.pk).exists():
        if Customer.objects.filter(pk=customer.pk, owner__isnull=False).exists():
            raise _already_claimed(customer)
        raise NotPermitted(_("This customer is not in a pool you manage."))
    _check_recipient(actor, customer, owner)
    capacity_check(owner=owner)
    now = timezone.now()
    pool = governing_pool(owner, customer.business_unit_id)
    if not _take(customer, owner, pool, pool_rules(pool), now):
        raise _already_claimed(customer)
    customer_lifecycle_event(customer=customer, event=Event.ASSIGNED, actor=actor, note=note)
    PoolEvent.objects.create(customer=customer, user=owner, actor=actor, kind=PoolEvent.Kind.ASSIGN, note=note, at=now)
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"owner": [None, owner.pk]}, note=note)
    _notify(
        [owner] if owner.pk != actor.pk else [],
        "pool_assigned",
        format_lazy(
            gettext_lazy("{actor} assigned you the customer {name} from the pool"), actor=actor, name=customer.name
        ),
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
    _release(actor, [customer], PoolEvent.Kind.RETURN, reason=reason, note=note)
    if previous.pk != actor.pk:
        _notify(
            [previous],
            "pool_returned",
            format_lazy(
                gettext_lazy("{actor} returned your customer {name} to the pool"), actor=actor, name=customer.name
            ),
            customer,
        )
    return customer


def _release(actor: User | None, customers: Sequence[Customer], kind: str, *, reason: str, note: str = "") -> int:
    """Put owned customers back into their pools (conditional on who owns them now)."""
    now = timezone.now()
    released = 0
    for customer in customers:
        owner_id = customer.owner_id
        if owner_id is None:
            continue
        pool = customer.pool if customer.pool_id else governing_pool(customer.owner, customer.business_unit_id)  # type: ignore[arg-type]
        changed = Customer.objects.filter(pk=customer.pk, owner_id=owner_id).update(
            owner=None,
            pool=pool,
            pooled_at=now,
            claimed_at=None,
            expires_at=None,
            warned_expiry=None,
            locked_at=None,
            locked_by=None,
            updated_at=now,
        )
        if not changed:
            raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
        customer.owner, customer.pool, customer.expires_at, customer.locked_at = None, pool, None, None
        customer_lifecycle_event(customer=customer, event=Event.RETURNED, actor=actor, note=reason)
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
    """The handover's "return to the pool" (SPEC §1.4): every customer of a departing user, at once."""
    customers = list(rows.select_related("pool", "owner"))
    for customer in customers:
        customer.locked_at = None  # a departure unlocks: nothing may stay with the departed user
    return _release(actor, customers, PoolEvent.Kind.RETURN, reason="owner_left")


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
    _lock_holder(owner)
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
        pool=pool, claimed_at=now, expires_at=customer.expires_at, warned_expiry=None, locked_at=None, locked_by=None
    )


# --- the sweep --------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    returned: int = 0
    warned: int = 0
    recomputed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.returned} customers returned to the pool, {self.warned} owners' customers warned, "
            f"{self.recomputed} expiry times recomputed"
        )


def reclaim(at: datetime) -> SweepResult:
    """Return every customer due as of ``at`` to its pool and warn owners of those due within K days.
    Safe with any number of concurrent runs: each batch claims its rows (FOR UPDATE SKIP LOCKED on
    PostgreSQL; SQLite runs one writer at a time) and writes only rows whose state still says due."""
    result = SweepResult()
    pools = list(Pool.objects.all())
    parameters: dict[int, dict[str, Any]] = {}
    rules: dict[int, Rules] = {}
    for pool in pools:
        unit = parameters.setdefault(pool.business_unit_id, unit_parameters(pool.business_unit_id))
        rules[pool.pk] = pool_rules(pool, unit)
        result.recomputed += pool_refresh_expiry(pool, rules[pool.pk])
    while batch := _return_batch(at, rules):
        result.returned += batch
    for pool in pools:
        if rules[pool.pk].warning_days:
            while batch := _warn_batch(at, pool, rules[pool.pk]):
                result.warned += batch
    return result


def _due(at: datetime) -> QuerySet[Customer]:
    return Customer.objects.filter(expires_at__lte=at, owner__isnull=False, locked_at__isnull=True)


def _claim_rows(rows: QuerySet[Customer]) -> QuerySet[Customer]:
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


@transaction.atomic
def _return_batch(at: datetime, rules: dict[int, Rules]) -> int:
    rows = list(
        _claim_rows(
            _due(at)
            .order_by("expires_at")
            .only("pk", "name", "owner_id", "status", "pool_id", "claimed_at", "last_followup_at", "business_unit_id")
        )[:SWEEP_BATCH]
    )
    if not rows:
        return 0
    now = timezone.now()
    ids = [row.pk for row in rows]
    changed = (
        _due(at)
        .filter(pk__in=ids)
        .update(owner=None, pooled_at=at, claimed_at=None, expires_at=None, warned_expiry=None, updated_at=now)
    )
    if changed != len(rows):  # only possible without row locks; the transaction keeps the batch whole
        raise RuntimeError("reclaim batch changed under the sweep")
    events, entries, reasons = [], [], {}
    for row in rows:
        reason = expiry_reason(row, rules.get(row.pool_id or 0) or _fallback_rules(row))
        reasons[row.pk] = reason
        events.append(
            PoolEvent(customer_id=row.pk, user_id=row.owner_id or 0, kind=PoolEvent.Kind.RECLAIM, reason=reason, at=at)
        )
        entries.append(
            AuditEntry(
                action=Action.OWNERSHIP,
                object_type="customers.customer",
                object_id=str(row.pk),
                object_repr=row.name[:200],
                changes={"owner": [row.owner_id, None]},
                note=f"reclaim_pool {reason}",
                at=now,
            )
        )
    PoolEvent.objects.bulk_create(events)
    AuditEntry.objects.bulk_create(entries)
    customers_returned_bulk(customers=rows, notes=reasons)
    _notify_reclaimed(rows)
    return len(rows)


def _fallback_rules(row: Customer) -> Rules:
    return pool_rules(unit_pool(row.business_unit_id))


def _notify_reclaimed(rows: Sequence[Customer]) -> None:
    by_owner: dict[int, list[Customer]] = {}
    for row in rows:
        by_owner.setdefault(row.owner_id or 0, []).append(row)
    owners = User.objects.in_bulk(list(by_owner))
    for owner_id, customers in by_owner.items():
        if owner_id not in owners:
            continue
        names = "、".join(customer.name for customer in customers[:5])
        _notify(
            [owners[owner_id]],
            "pool_reclaimed",
            format_lazy(
                gettext_lazy("{count} of your customers returned to the pool: {names}"),
                count=len(customers),
                names=names,
            ),
            customers[0] if len(customers) == 1 else None,
            url="" if len(customers) == 1 else _pool_url(),
        )


@transaction.atomic
def _warn_batch(at: datetime, pool: Pool, rules: Rules) -> int:
    """Owners of customers due within the warning days hear it once per expiry time."""
    due_soon = Customer.objects.filter(
        pool=pool,
        owner__isnull=False,
        locked_at__isnull=True,
        expires_at__gt=at,
        expires_at__lte=at + rules.warning_days * DAY,
    ).filter(Q(warned_expiry__isnull=True) | ~Q(warned_expiry=F("expires_at")))
    rows = list(_claim_rows(due_soon.order_by("expires_at").only("pk", "name", "owner_id", "expires_at"))[:SWEEP_BATCH])
    if not rows:
        return 0
    ids = [row.pk for row in rows]
    due_soon.filter(pk__in=ids).update(warned_expiry=F("expires_at"))
    by_owner: dict[int, list[Customer]] = {}
    for row in rows:
        by_owner.setdefault(row.owner_id or 0, []).append(row)
    owners = User.objects.in_bulk(list(by_owner))
    for owner_id, customers in by_owner.items():
        if owner_id not in owners:
            continue
        first = customers[0]
        days = days_to_expiry(first.expires_at, at) or 0
        title = (
            format_lazy(
                gettext_lazy("{name} returns to the pool in {days} days unless you follow up"),
                name=first.name,
                days=days,
            )
            if len(customers) == 1
            else format_lazy(
                gettext_lazy("{count} of your customers return to the pool soon unless you follow up, first {name}"),
                count=len(customers),
                name=first.name,
            )
        )
        _notify(
            [owners[owner_id]],
            "pool_expiry_warning",
            title,
            first if len(customers) == 1 else None,
            url="" if len(customers) == 1 else _mine_expiring_url(),
        )
    return len(rows)


def _pool_url() -> str:
    from django.urls import reverse

    return reverse("customers:pool")


def _mine_expiring_url() -> str:
    from django.urls import reverse

    return reverse("customers:list") + "?scene=expiring"


def _notify(recipients: Iterable[User], kind: str, title: Any, obj: Customer | None, url: str = "") -> None:
    from guanxi.core.notifications.services import notify

    people = list(recipients)
    if people:
        notify(recipients=people, kind=kind, title=title, obj=obj, url=url)


# --- messages for people ------------------------------------------------------------------------------


def expiry_label(customer: Customer, now: datetime | None = None) -> str:
    """ "12 days", "locked", "exempt" or "" (in the pool): the days-to-expiry cell of lists and the 360 page."""
    if customer.owner_id is None:
        return ""
    if customer.locked_at is not None:
        return str(_("Locked"))
    days = days_to_expiry(customer.expires_at, now)
    if days is None:
        return str(_("Exempt"))
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


# --- reads ------------------------------------------------------------------------------------------------

POOL_ORDERINGS = {
    "pooled": ("-pooled_at", "-pk"),
    "name": ("name_pinyin", "pk"),
    "last_followup": ("-last_followup_at", "-pk"),
}


def pool_list(
    *, actor: User, query: str = "", filters: dict[str, Any] | None = None, ordering: str = ""
) -> QuerySet[Customer]:
    """The pool list: unowned customers of the pools the actor sees, searchable like the customer list."""
    from .selectors import search_filter

    customers = pool_customers(actor).select_related("pool")
    if query:
        customers = customers.filter(search_filter(query))
    filters = filters or {}
    if filters.get("pool"):
        customers = customers.filter(pool=filters["pool"])
    if filters.get("industry"):
        customers = customers.filter(industry=filters["industry"])
    return customers.order_by(*POOL_ORDERINGS.get(ordering, POOL_ORDERINGS["pooled"]))


def last_holders(customers: Sequence[Customer]) -> dict[int, PoolEvent]:
    """The latest return or reclaim of each customer (who had it, why), for a page: one query."""
    rows = (
        PoolEvent.objects.filter(
            customer__in=list(customers),
            kind__in=[PoolEvent.Kind.RETURN, PoolEvent.Kind.RECLAIM, PoolEvent.Kind.CONFLICT],
        )
        .select_related("user")
        .order_by("customer_id", "-at", "-pk")
    )
    latest: dict[int, PoolEvent] = {}
    for row in rows:
        latest.setdefault(row.customer_id, row)
    return latest


def hidden_fields(customer: Customer) -> set[str]:
    """The fields masked on this customer until it is claimed: contact details always, plus the pool's."""
    if customer.owner_id is not None or customer.pool_id is None:
        return set()
    assert customer.pool is not None
    return {"phone", "email", *customer.pool.hidden_fields}


def may_claim(actor: User, customer: Customer) -> bool:
    return customer.owner_id is None and has_perm(actor, "pool.edit")


def may_assign(actor: User, customer: Customer) -> bool:
    return customer.owner_id is None and has_perm(actor, "pool.assign")


def may_lock(actor: User, customer: Customer) -> bool:
    return customer.owner_id is not None and has_perm(actor, "pool.assign")
