"""The public pool's rules and reads (SPEC §3.2): which pool governs a customer and with what rules, who
sees which pools, the clocks (when an owned customer returns), the holding limits, and the pool list.
The writes that use them are in ``pool.services``; the automatic return in ``pool.sweep``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.config.parameters import PARAMETERS
from guanxi.core.errors import DomainError
from guanxi.core.memo import remembered
from guanxi.core.models import ParameterValue
from guanxi.core.permissions import has_perm
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import Department, User

from .models import HoldingLimit, Pool, PoolEvent

DAY = timedelta(days=1)
# The statuses whose deal is done: only the follow-up clock runs (and none for won customers when exempt).
DEAL_DONE = (Lifecycle.WON, Lifecycle.CHURNED)


# --- rules of a pool --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    no_followup_days: int
    no_deal_days: int
    warning_days: int
    cooldown_days: int
    daily_claims: int
    won_exempt: bool
    # (product line, its days without follow-up, its days without a deal): each None follows the pool's
    lines: tuple[tuple[str, int | None, int | None], ...] = ()

    @property
    def stamp(self) -> str:
        """What the stored expiry times depend on (at most 60 characters: a digest once lines are set)."""
        plain = f"{self.no_followup_days}/{self.no_deal_days}/{int(self.won_exempt)}"
        if not self.lines:
            return plain
        import hashlib

        return plain + "/" + hashlib.sha1(repr(self.lines).encode()).hexdigest()[:20]

    def for_line(self, line: str) -> Rules:
        """The rules of a record of this product line: the line's own days where set (most specific wins)."""
        for code, followup, deal in self.lines:
            if code == line and line:
                return replace(
                    self,
                    no_followup_days=self.no_followup_days if followup is None else followup,
                    no_deal_days=self.no_deal_days if deal is None else deal,
                    lines=(),
                )
        return replace(self, lines=()) if self.lines else self


@remembered
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
        lines=tuple(
            (code, values.get("no_followup_days"), values.get("no_deal_days"))
            for code, values in sorted((pool.line_rules or {}).items())
        ),
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


@remembered
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
    """The unowned customers of the pools the actor sees: the pool list's rows, and what the scope gate lets
    them open beyond their data scope (the customers' ``Rule.readable``, through ``hooks.Ownership.pooled``)."""
    return Customer.objects.filter(owner__isnull=True, pool__in=pools_visible(actor).values("pk"))


def customer_reachable(actor: User, pk: Any, *, claiming: bool = False) -> Customer:
    """One customer the actor may see: through the data scope, or lying in a pool they see. 404 else.
    When ``claiming``, also one claimed from such a pool within the last day, so that the loser of a race
    hears who won rather than "not found"."""
    from django.http import Http404

    reachable = Customer.objects.readable_by(actor)
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


def days_rule_span(days: int) -> timedelta:
    """How long an "N days" rule of the pool holds after its start: until the elapsed whole days exceed N
    (on day N it still holds). The clocks and the cool-down count alike."""
    return (days + 1) * DAY


def expiry_of(customer: Customer, rules: Rules) -> datetime | None:
    """When the customer returns to the pool unless something happens first; None when it never does."""
    if customer.owner_id is None or customer.claimed_at is None or customer.locked_at is not None:
        return None
    rules = rules.for_line(customer.product_line)
    start = max(customer.claimed_at, customer.last_followup_at or customer.claimed_at)
    followup = start + days_rule_span(rules.no_followup_days)
    if customer.status in DEAL_DONE:
        return None if customer.status == Lifecycle.WON and rules.won_exempt else followup
    return min(followup, customer.claimed_at + days_rule_span(rules.no_deal_days))


def expiry_reason(customer: Customer, rules: Rules) -> str:
    """Which clock ran out: ``no_followup`` or ``no_deal``."""
    assert customer.claimed_at is not None
    rules = rules.for_line(customer.product_line)
    start = max(customer.claimed_at, customer.last_followup_at or customer.claimed_at)
    followup = start + days_rule_span(rules.no_followup_days)
    if customer.status in DEAL_DONE:
        return "no_followup"
    return "no_followup" if followup <= customer.claimed_at + days_rule_span(rules.no_deal_days) else "no_deal"


def _expiry_expression(rules: Rules) -> Any:
    """``expiry_of`` as SQL, for recomputing a whole pool in one statement (one branch per product line
    with rules of its own)."""
    if rules.lines:
        plain = replace(rules, lines=())
        branches = [When(product_line=code, then=_expiry_expression(rules.for_line(code))) for code, *_ in rules.lines]
        return Case(*branches, default=_expiry_expression(plain), output_field=DateTimeField())
    start = Greatest(F("claimed_at"), Coalesce(F("last_followup_at"), F("claimed_at")))
    followup = ExpressionWrapper(start + days_rule_span(rules.no_followup_days), output_field=DateTimeField())
    deal = ExpressionWrapper(F("claimed_at") + days_rule_span(rules.no_deal_days), output_field=DateTimeField())
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
        .only(
            "pk",
            "owner_id",
            "pool_id",
            "claimed_at",
            "last_followup_at",
            "locked_at",
            "status",
            "expires_at",
            "product_line",
        )
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


def limits_of(user: User, parameters: dict[str, Any] | None = None) -> Limits:
    """The user's own override, else their nearest department's, else the unit's parameters."""
    unit = parameters if parameters is not None else unit_parameters(user.business_unit_id)
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


def holdings_of(user: User, limits: Limits | None = None, *, up_to: int | None = None) -> int:
    """How many customers count toward the user's holding limit; with ``up_to``, counting stops there
    (enough to compare with the limit, and cheap for someone who holds thousands)."""
    limits = limits or limits_of(user)
    owned = Customer.objects.filter(owner=user).order_by()  # a count: no sort of the holdings (a list's order)
    if not limits.won_counts:
        owned = owned.exclude(status=Lifecycle.WON)
    return owned[:up_to].count() if up_to is not None else owned.count()


def over_limit(user: User, limits: Limits, adding: int) -> int | None:
    """The user's exact holdings when ``adding`` more would pass the limit, else None."""
    if holdings_of(user, limits, up_to=limits.holding + 1) + adding <= limits.holding:
        return None
    return holdings_of(user, limits)


def lock_holder(user: User) -> None:
    """Serialise everything that gives this user customers: one transaction at a time counts and adds.
    (FOR NO KEY UPDATE: rows that merely refer to the user, e.g. audit entries, are not blocked.)"""
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True))


def capacity_check(*, owner: User, adding: int = 1) -> None:
    """Refuse when ``owner`` would hold more customers than allowed (SPEC §3.2). Call it inside the
    transaction that gives the customers; it locks the owner until that transaction ends."""
    if adding <= 0:
        return
    lock_holder(owner)
    limits = limits_of(owner)
    held = over_limit(owner, limits, adding)
    if held is not None:
        raise DomainError(
            _("%(name)s already holds %(held)d customers; the limit is %(limit)d.")
            % {"name": owner, "held": held, "limit": limits.holding},
            field="owner",
            code="holding_limit",
        )


def capacity_left(*, owner: User) -> int:
    """How many more customers ``owner`` may be given now (SPEC §3.2), counted once for a batch of them. Like
    ``capacity_check`` it locks the owner until the transaction ends, so a claim at the same time waits."""
    lock_holder(owner)
    limits = limits_of(owner)
    return max(0, limits.holding - holdings_of(owner, limits, up_to=limits.holding + 1))


# --- messages for people ------------------------------------------------------------------------------


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
    from guanxi.customers.selectors import search_filter

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


def may_claim(actor: User, customer: Customer) -> bool:
    return customer.owner_id is None and has_perm(actor, "pool.edit")


def may_assign(actor: User, customer: Customer) -> bool:
    return customer.owner_id is None and has_perm(actor, "pool.assign")


def may_lock(actor: User, customer: Customer) -> bool:
    return customer.owner_id is not None and has_perm(actor, "pool.assign")


def notify_people(recipients: Iterable[User], kind: str, title: Any, obj: Customer | None, url: str = "") -> None:
    from guanxi.core.notifications.services import notify

    people = list(recipients)
    if people:
        notify(recipients=people, kind=kind, title=title, obj=obj, url=url)


def rule_explained(customer: Customer, pool: Pool | None = None) -> str:
    """Which rule returns an owned customer, in words: its product line's rule where its pool has one (the
    most specific), else the pool's ("printer line: 12 days without follow-up, 60 without a deal")."""
    pool = pool or customer.pool
    if pool is None or customer.owner_id is None:
        return ""
    rules = pool_rules(pool)
    own = rules.for_line(customer.product_line)
    values: dict[str, object] = {"followup": own.no_followup_days, "deal": own.no_deal_days}
    if customer.product_line and any(code == customer.product_line for code, *_rest in rules.lines):
        from guanxi.core.config.dictionary import dictionary_label

        values["line"] = dictionary_label("product_line", customer.product_line)
        return _("%(line)s line: %(followup)d days without follow-up, %(deal)d without a deal") % values
    values["pool"] = pool.name
    return _("%(pool)s: %(followup)d days without follow-up, %(deal)d without a deal") % values
