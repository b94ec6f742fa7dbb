"""Lead pools (线索池): leads wait in a pool of their unit or department with no owner, are claimed first come
first served, return by hand with a reason or automatically when untouched, and move between pools in bulk.
Every write in one transaction; the races are decided by the database as in the customer pool.

Claim rules (daily cap, holding limit, cool-down) have their own values (``leads.pool_*``). Pool
administrators of leads (``leads.configure``) are exempt from the daily cap, like the customer pool's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import IntegerField, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.scope import owner_in_scope
from guanxi.core.texts import Text
from guanxi.org.models import Department, User
from guanxi.pool.rules import days_rule_span, lock_holder

from ..models import OPEN_STATUSES, Lead, LeadPool, LeadPoolEvent
from .rules import (
    LeadPoolRules,
    default_pool,
    expiry_of,
    pool_rules,
    pooled_leads,
    pools_visible,
    unit_parameters,
)

MAX_BATCH = 200


def _notify(recipients: Iterable[User], title: Any, url: str, obj: Any = None) -> None:
    from guanxi.core.notifications.services import notify

    people = list({person.pk: person for person in recipients}.values())
    if people:
        notify(recipients=people, kind="lead_pool", title=title, url=url, obj=obj)


# --- placing a lead in a pool -----------------------------------------------------------------------------


def lead_place(*, actor: User | None, lead: Lead, pool: LeadPool, at: datetime | None = None, note: str = "") -> None:
    """Put an unowned (or just released) lead into ``pool``: no owner, the pool's department, its clock
    stopped. For the services that create, return or move leads; the caller checked the rights."""
    now = at or timezone.now()
    Lead.objects.filter(pk=lead.pk).update(
        owner=None, pool=pool, department_id=pool.department_id, pooled_at=now, expires_at=None, updated_at=now
    )
    before = lead.pool_id
    lead.owner, lead.pool, lead.department_id, lead.pooled_at, lead.expires_at = (
        None,
        pool,
        pool.department_id,
        now,
        None,
    )
    if before != pool.pk:
        audit_log(actor=actor, action=Action.UPDATE, obj=lead, changes={"pool": [before, pool.pk]}, note=note)


def lead_place_default(*, actor: User | None, lead: Lead) -> LeadPool | None:
    """An assignment rule found nobody (or no rule matched): the lead goes to the most specific pool of its
    department, if the unit has lead pools; else it waits unassigned in the department, as before."""
    department = Department.objects.filter(pk=lead.department_id).first() if lead.department_id else None
    pool = default_pool(lead.business_unit_id, department)
    if pool is not None:
        lead_place(actor=actor, lead=lead, pool=pool, note=_("No rule found an owner."))
    return pool


def pool_check(actor: User, pool: LeadPool, *, field: str = "pool") -> None:
    """The pool is one of the actor's unit's and one they see."""
    if pool.business_unit_id != actor.business_unit_id or not pools_visible(actor).filter(pk=pool.pk).exists():
        raise DomainError(_("Choose a lead pool of your business unit."), field=field)


# --- claim -------------------------------------------------------------------------------------------------


class _Count(Subquery):
    """How many rows a queryset (sliced or not) has, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


@dataclass(frozen=True)
class _Standing:
    claimable: int  # how many of the leads lie in a pool the claimer claims from
    claims: int  # the claimer's claims today (the daily cap counts them)
    cooling: int | None  # one of the leads they gave back or lost within the cool-down
    held: int  # their open leads, counted up to one past the holding limit


def _standing(user: User, leads: Sequence[Lead], rules: LeadPoolRules, now: datetime) -> _Standing:
    """What the claim rules read, in one statement (after the claimer's row is locked): the leads still
    claimable, the day's claims and the cool-down from the claimer's pool events, and their holdings."""
    ids = [lead.pk for lead in leads]
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    events = LeadPoolEvent.objects.filter(user=user).order_by()
    cooling = events.filter(
        kind__in=[LeadPoolEvent.Kind.RETURN, LeadPoolEvent.Kind.RECLAIM],
        lead__in=ids,
        at__gt=now - days_rule_span(rules.cooldown_days),
    )
    held = Lead.objects.filter(owner=user, status__in=OPEN_STATUSES).order_by().values("pk")
    row = (
        User.objects.filter(pk=user.pk)
        .order_by()
        .values_list(
            _Count(pooled_leads(user).filter(pool__is_failed=False, pk__in=ids).order_by().values("pk")),
            _Count(events.filter(kind=LeadPoolEvent.Kind.CLAIM, at__gte=midnight).values("pk")),
            Subquery(cooling.order_by("lead_id").values("lead_id")[:1]) if rules.cooldown_days else Value(None),
            _Count(held[: rules.holding_limit + 1]),
        )
        .get()
    )
    return _Standing(*row)


def _already_claimed(lead: Lead, actor: User) -> Conflict:
    owner = User.objects.filter(owned_leads__pk=lead.pk).first()
    if owner is None:
        return Conflict(_("This lead is no longer in the pool."), code="already_claimed")
    if owner == actor:
        return Conflict(_("%(lead)s is yours already.") % {"lead": lead}, code="already_claimed")
    return Conflict(
        _("%(lead)s was already claimed by %(owner)s.") % {"lead": lead, "owner": owner}, code="already_claimed"
    )


def _take(lead: Lead, owner: User, rules: LeadPoolRules, now: datetime) -> bool:
    """The conditional update that decides the race: the lead moves only if nobody owns it yet."""
    expires = expiry_of(start=now, last_followup_at=None, rules=rules)
    changed = Lead.objects.filter(pk=lead.pk, owner__isnull=True).update(
        owner=owner,
        department_id=owner.department_id or lead.department_id,
        assigned_at=now,
        expires_at=expires,
        pooled_at=None,
        updated_at=now,
    )
    if changed:
        lead.owner, lead.assigned_at, lead.expires_at, lead.pooled_at = owner, now, expires, None
    return bool(changed)


@transaction.atomic
def lead_claim(*, actor: User, lead: Lead) -> Lead:
    """领取: the actor takes a lead from a pool they see, first come first served."""
    return leads_claim(actor=actor, leads=[lead])[0]


@transaction.atomic
def leads_claim(*, actor: User, leads: Sequence[Lead]) -> list[Lead]:
    """Claim several pooled leads at once: all of them or none (past the daily cap, the holding limit or
    within the cool-down the whole batch is refused)."""
    require_perm(actor, "leads.edit")
    if not leads:
        raise DomainError(_("Select at least one lead."), field="ids")
    if len(leads) > MAX_BATCH:
        raise DomainError(_("Select at most %(count)d leads at once.") % {"count": MAX_BATCH}, field="ids")
    now = timezone.now()
    unit = actor.business_unit_id
    if unit is None:  # no pool to claim from
        _refuse_unclaimable(actor, leads)
        raise NotPermitted(_("This lead is not in a pool you can claim from."))
    lock_holder(actor)  # one transaction at a time counts this person's claims and holdings
    parameters = unit_parameters(unit)
    rules = pool_rules(None, unit, parameters)
    standing = _standing(actor, leads, rules, now)
    if standing.claimable < len(leads):
        _refuse_unclaimable(actor, leads)
    cooling = next((lead for lead in leads if lead.pk == standing.cooling), None)
    if cooling is not None:
        raise DomainError(
            _("You gave back %(lead)s within the cool-down of %(days)d days; someone else may claim it first.")
            % {"lead": cooling, "days": rules.cooldown_days},
            code="cooling_down",
        )
    if not has_perm(actor, "leads.configure") and standing.claims + len(leads) > rules.daily_claims:
        raise DomainError(
            _("You may claim %(limit)d leads a day and have claimed %(done)d today.")
            % {"limit": rules.daily_claims, "done": standing.claims},
            code="claim_limit",
        )
    if standing.held + len(leads) > rules.holding_limit:
        raise DomainError(
            _("You already hold %(held)d open leads; the limit is %(limit)d. Close or return some first.")
            % {"held": standing.held, "limit": rules.holding_limit},
            code="holding_limit",
        )
    pools = _pools_of(leads)
    for lead in leads:
        pool = pools.get(lead.pool_id or 0)
        if not _take(lead, actor, pool_rules(pool, unit, parameters, lead.product_line), now):
            raise _already_claimed(lead, actor)
        LeadPoolEvent.objects.create(
            lead=lead, user=actor, actor=actor, kind="claim", pool_id=lead.pool_id or 0, at=now
        )
        audit_log(actor=actor, action=Action.OWNERSHIP, obj=lead, changes={"owner": [None, actor.pk]}, note="claim")
    return list(leads)


def _refuse_unclaimable(actor: User, leads: Sequence[Lead]) -> None:
    """Some of the leads are not claimable by the actor: name the first one and why."""
    claimable = set(
        pooled_leads(actor)
        .filter(pool__is_failed=False, pk__in=[lead.pk for lead in leads])
        .values_list("pk", flat=True)
    )
    for lead in leads:
        if lead.pk not in claimable:
            if Lead.objects.filter(pk=lead.pk, owner__isnull=False).exists():
                raise _already_claimed(lead, actor)
            raise NotPermitted(_("This lead is not in a pool you can claim from."))


def _pools_of(leads: Sequence[Lead]) -> dict[int, LeadPool]:
    """The leads' pools: those read with them (``select_related``), the others in one query."""
    loaded = {lead.pool_id: lead.pool for lead in leads if lead.pool_id and Lead.pool.is_cached(lead)}
    missing = {lead.pool_id for lead in leads if lead.pool_id and lead.pool_id not in loaded}
    return {**loaded, **(LeadPool.objects.in_bulk(missing) if missing else {})}  # type: ignore[dict-item]


def leads_selected(actor: User, ids: Iterable[int | str], queryset: QuerySet[Lead] | None = None) -> list[Lead]:
    """The selected leads among ``queryset`` (the actor's pooled leads by default): all of them, or a 409."""
    wanted = {int(raw) for raw in ids if str(raw).isdigit()}
    if not wanted:
        raise DomainError(_("Select at least one lead."), field="ids")
    if len(wanted) > MAX_BATCH:
        raise DomainError(_("Select at most %(count)d leads at once.") % {"count": MAX_BATCH}, field="ids")
    rows = queryset if queryset is not None else pooled_leads(actor)
    leads = list(rows.filter(pk__in=wanted).select_related("pool").order_by("pk"))
    if len(leads) != len(wanted):
        raise Conflict(
            _("Some of the selected leads are no longer in the pool; nothing was done."),
            field="ids",
            code="not_in_pool",
        )
    return leads


# --- return ------------------------------------------------------------------------------------------------


def may_return(actor: User, lead: Lead) -> bool:
    """The owner returns their own open leads; a manager (``leads.assign``) those in their scope."""
    if lead.owner_id is None or not lead.is_open or not has_perm(actor, "leads.edit"):
        return False
    if lead.owner_id == actor.pk:
        return True
    return has_perm(actor, "leads.assign") and Lead.objects.visible_to(actor).filter(pk=lead.pk).exists()


@transaction.atomic
def lead_return(*, actor: User, lead: Lead, reason: str, pool: LeadPool | None = None) -> Lead:
    """退回: the lead goes back to a pool with a reason — the one chosen, else the one it came from, else the
    most specific pool of its department."""
    if not may_return(actor, lead):
        raise NotPermitted(_("You may return only your own open leads."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why you return the lead."), field="reason")
    if pool is not None:
        pool_check(actor, pool)
    else:
        pool = lead.pool or default_pool(lead.business_unit_id, lead.department)
    if pool is None:
        raise DomainError(_("Your business unit has no lead pool to return it to."), field="pool")
    previous = lead.owner
    assert previous is not None
    now = timezone.now()
    if not Lead.objects.filter(pk=lead.pk, owner_id=previous.pk).update(owner=None, updated_at=now):
        raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
    lead_place(actor=actor, lead=lead, pool=pool, at=now)
    LeadPoolEvent.objects.create(
        lead=lead, user=previous, actor=actor, kind="return", pool=pool, reason=reason[:200], at=now
    )
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=lead, changes={"owner": [previous.pk, None]}, note=reason)
    if previous.pk != actor.pk:
        title = Text(gettext_noop("{actor} returned your lead {lead} to the pool"), actor=actor, lead=str(lead))
        _notify([previous], title, lead.get_absolute_url(), lead)
    return lead


# --- a manager's bulk actions: assign from a pool (the failed leads too), move between pools ---------------


def _manager_rows(actor: User, pool: LeadPool) -> QuerySet[Lead]:
    require_perm(actor, "leads.assign")
    pool_check(actor, pool)
    return Lead.objects.filter(pool=pool, owner__isnull=True, status__in=OPEN_STATUSES)


@transaction.atomic
def leads_pool_assign(*, actor: User, pool: LeadPool, ids: Iterable[int | str], owner: User) -> int:
    """Give the selected leads of a pool (a failed-lead pool too) to a colleague: all of them or none."""
    leads = leads_selected(actor, ids, _manager_rows(actor, pool))
    if not owner.is_active or owner.business_unit_id != pool.business_unit_id:
        raise DomainError(_("Choose an active colleague of your business unit."), field="owner")
    if owner.pk != actor.pk and not owner_in_scope(actor, "leads", owner):
        raise DomainError(_("Choose a colleague within your data scope."), field="owner")
    lock_holder(owner)
    now = timezone.now()
    parameters = unit_parameters(pool.business_unit_id)
    for lead in leads:
        if not _take(lead, owner, pool_rules(pool, pool.business_unit_id, parameters, lead.product_line), now):
            raise _already_claimed(lead, actor)
        LeadPoolEvent.objects.create(lead=lead, user=owner, actor=actor, kind="assign", pool=pool, at=now)
        audit_log(actor=actor, action=Action.OWNERSHIP, obj=lead, changes={"owner": [None, owner.pk]})
    if owner.pk != actor.pk:
        title = Text(
            gettext_noop("{actor} gave you {count} leads from {pool}"), actor=actor, count=len(leads), pool=pool.name
        )
        _notify([owner], title, reverse("leads:list"))
    return len(leads)


@transaction.atomic
def leads_move(*, actor: User, pool: LeadPool, ids: Iterable[int | str] | None, target: LeadPool) -> int:
    """Move leads lying in ``pool`` (the selected ones, or all with ``ids`` None) to ``target``: all or
    nothing, audited per lead; those who could claim from the target hear of it."""
    rows = _manager_rows(actor, pool)
    pool_check(actor, target, field="target")
    if target.pk == pool.pk:
        raise DomainError(_("Choose another pool to move the leads to."), field="target")
    if ids is None:
        leads = list(rows.select_for_update().order_by("pk")[: MAX_BATCH * 50])
    else:
        leads = leads_selected(actor, ids, rows)
    if not leads:
        raise DomainError(_("The pool has no leads to move."), field="ids")
    now = timezone.now()
    moved = Lead.objects.filter(pk__in=[lead.pk for lead in leads], pool=pool, owner__isnull=True).update(
        pool=target, department_id=target.department_id, pooled_at=now, updated_at=now
    )
    if moved != len(leads):  # the transaction keeps the batch whole
        raise Conflict(_("Someone claimed one of these leads just now; nothing was moved."), code="not_in_pool")
    LeadPoolEvent.objects.bulk_create(
        LeadPoolEvent(lead=lead, actor=actor, kind="move", pool=target, reason=pool.name[:200], at=now)
        for lead in leads
    )
    for lead in leads:
        audit_log(actor=actor, action=Action.UPDATE, obj=lead, changes={"pool": [pool.pk, target.pk]}, note="move")
    if not target.is_failed:
        title = Text(gettext_noop("{count} leads were moved into {pool}"), count=len(leads), pool=target.name)
        _notify(_claimers(target, exclude=actor), title, target.get_absolute_url())
    return len(leads)


def _claimers(pool: LeadPool, *, exclude: User) -> list[User]:
    """Who could claim from the pool: active people of its department tree (or of its unit) who work leads."""
    people = User.objects.filter(department__business_unit_id=pool.business_unit_id, status=User.Status.ACTIVE)
    people = people.exclude(pk=exclude.pk)
    if pool.department is not None:
        people = people.filter(department__path__startswith=pool.department.path)
    return [person for person in people.prefetch_related("roles")[:500] if has_perm(person, "leads.edit")]


# --- configuring the pools (leads.configure) ----------------------------------------------------------------


POOL_FIELDS = ["name", "department", "is_failed", "reclaim_days", "line_rules"]


@transaction.atomic
def lead_pool_save(*, actor: User, pool: LeadPool | None, data: Mapping[str, Any]) -> LeadPool:
    """Create a lead pool of the actor's unit (or of one of its departments) or change one."""
    require_perm(actor, "leads.configure")
    unit = actor.business_unit_id
    if unit is None:
        raise NotPermitted(_("You belong to no business unit."))
    if pool is not None and pool.business_unit_id != unit:
        raise NotPermitted(_("This pool belongs to another business unit."))
    name = str(data.get("name") or "").strip()
    if not name:
        raise DomainError(_("Give the pool a name."), field="name")
    department = data.get("department")
    if department is not None and department.business_unit_id != unit:
        raise DomainError(_("Choose a department of your business unit."), field="department")
    days = data.get("reclaim_days")
    if days is not None and days < 0:
        raise DomainError(_("Must be at least %(min)s.") % {"min": 0}, field="reclaim_days")
    lines = data.get("line_rules") if data.get("line_rules") is not None else (pool.line_rules if pool else {})
    if not isinstance(lines, dict):
        raise DomainError(_("Give the days as product line → days."), field="line_rules")
    from guanxi.core.config.dictionary import dictionary_labels

    known = dictionary_labels("product_line")
    for line, line_days in lines.items():
        if line not in known:
            raise DomainError(_("Unknown product line: %(key)s.") % {"key": line}, field="line_rules")
        if not isinstance(line_days, int) or isinstance(line_days, bool) or line_days < 0:
            raise DomainError(_("Must be at least %(min)s.") % {"min": 0}, field="line_rules")
    before = snapshot(pool, POOL_FIELDS) if pool else {}
    created = pool is None
    pool = pool or LeadPool(business_unit_id=unit)
    pool.line_rules = dict(lines)
    pool.name, pool.department, pool.is_failed, pool.reclaim_days = (
        name[:50],
        department,
        bool(data.get("is_failed")),
        days,
    )
    pool.save()
    audit_log(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=pool,
        changes=diff(before, snapshot(pool, POOL_FIELDS)),
    )
    return pool


def lead_touched(*, lead: Lead, at: datetime) -> None:
    """A follow-up on an owned lead of a pool: its clock starts again from it."""
    if lead.pool_id is None or lead.owner_id is None:
        return
    pool = LeadPool.objects.filter(pk=lead.pool_id).first()
    fresh = Lead.objects.filter(pk=lead.pk).values("assigned_at", "last_followup_at", "product_line").first()
    if pool is None or fresh is None or fresh["assigned_at"] is None:
        return
    expires = expiry_of(
        start=fresh["assigned_at"],
        last_followup_at=fresh["last_followup_at"],
        rules=pool_rules(pool, lead.business_unit_id, line=fresh["product_line"]),
    )
    Lead.objects.filter(pk=lead.pk, owner__isnull=False).update(expires_at=expires)
    lead.expires_at = expires


def register() -> None:
    """The lead pools' parameters and notification kind."""
    from guanxi.core.config.parameters import register_parameter
    from guanxi.core.notifications.kinds import register_kind

    register_parameter(
        "leads.pool_reclaim_days", gettext_lazy("Days an untouched claimed lead stays before returning to its pool"),
        "int", 15, min=0, max=3650, group="leads", help=gettext_lazy("0: never returns automatically."),
    )  # fmt: skip
    register_parameter(
        "leads.pool_daily_claims", gettext_lazy("Leads a salesperson may claim per day"), "int", 20, min=1,
        max=10000, group="leads",
    )  # fmt: skip
    register_parameter(
        "leads.pool_holding_limit", gettext_lazy("Open leads a salesperson may hold when claiming"), "int", 200,
        min=1, max=100000, group="leads",
    )  # fmt: skip
    register_parameter(
        "leads.pool_cooldown_days", gettext_lazy("Days before a returned lead can be claimed again by the same person"),
        "int", 3, min=0, max=3650, group="leads",
    )  # fmt: skip
    register_kind("lead_pool", gettext_lazy("Lead pools: leads returned, given to me or moved into my pool"))
