"""Lead pools' rules and reads (线索池): which pools a person sees, the leads lying in them, the default pool
of a department, the rules a pool applies (its own or the unit's ``leads.pool_*`` parameters) and the clock
of a claimed lead. The writes are in ``leads.pools.services``, the automatic return in ``leads.pools.sweep``.

The customer pool's race guarantees carry over as they are: the claimer's user row is locked while their
day's claims and their holdings are counted (``pool.rules.lock_holder``), and the lead moves with a
conditional ``UPDATE … WHERE owner IS NULL``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from guanxi.core.config.parameters import PARAMETERS
from guanxi.core.models import ParameterValue
from guanxi.core.permissions import has_perm
from guanxi.org.models import Department, User
from guanxi.pool.rules import _department_ids, days_rule_span

from ..models import OPEN_STATUSES, Lead, LeadPool

PREFIX = "leads.pool_"


@dataclass(frozen=True)
class LeadPoolRules:
    """What a lead pool applies: its own reclaim days, else the unit's; the claim rules are the unit's."""

    reclaim_days: int  # 0: claimed leads never return automatically
    daily_claims: int
    holding_limit: int
    cooldown_days: int


def unit_parameters(unit_id: int | None) -> dict[str, Any]:
    """Every ``leads.pool_*`` parameter of the unit (its value, else the default), with one query."""
    values = {code: parameter.default for code, parameter in PARAMETERS.items() if code.startswith(PREFIX)}
    if unit_id is not None:
        stored = ParameterValue.objects.filter(business_unit_id=unit_id, code__startswith=PREFIX)
        for code, value in stored.values_list("code", "value"):
            if code in PARAMETERS:
                values[code] = PARAMETERS[code].from_json(value)
    return values


def pool_rules(
    pool: LeadPool | None, unit_id: int, parameters: dict[str, Any] | None = None, line: str = ""
) -> LeadPoolRules:
    """The most specific rules: the lead's product line's days in its pool, else the pool's, else the unit's."""
    unit = parameters if parameters is not None else unit_parameters(unit_id)
    own = pool.reclaim_days if pool is not None else None
    if pool is not None and line and (pool.line_rules or {}).get(line) is not None:
        own = pool.line_rules[line]
    return LeadPoolRules(
        reclaim_days=0
        if pool is not None and pool.is_failed
        else (unit[f"{PREFIX}reclaim_days"] if own is None else own),
        daily_claims=unit[f"{PREFIX}daily_claims"],
        holding_limit=unit[f"{PREFIX}holding_limit"],
        cooldown_days=unit[f"{PREFIX}cooldown_days"],
    )


def expiry_of(*, start: datetime, last_followup_at: datetime | None, rules: LeadPoolRules) -> datetime | None:
    """When a claimed lead returns to its pool unless touched first: after the whole days since the later of
    its claim (or assignment) and its last follow-up exceed N (on day N it is still held)."""
    if not rules.reclaim_days:
        return None
    return max(start, last_followup_at or start) + days_rule_span(rules.reclaim_days)


# --- visibility -------------------------------------------------------------------------------------------


def pools_visible(actor: User) -> QuerySet[LeadPool]:
    """The lead pools the actor sees: their unit's and those of their department and the departments above
    it, plus what their data scope adds (the departments below, the whole unit). Failed-lead pools only to
    those who assign leads."""
    if not getattr(actor, "is_authenticated", False) or not has_perm(actor, "leads.view"):
        return LeadPool.objects.none()
    own = Q(pk__in=LeadPool.objects.visible_to(actor).values("pk"))
    if actor.business_unit_id:
        own |= Q(business_unit_id=actor.business_unit_id, department__isnull=True)
        if actor.department_id:
            own |= Q(business_unit_id=actor.business_unit_id, department_id__in=_department_ids(actor.department))
    pools = LeadPool.objects.filter(own)
    if not has_perm(actor, "leads.assign"):
        pools = pools.filter(is_failed=False)
    return pools


def pooled_leads(actor: User, pool_ids: Collection[int] | None = None) -> QuerySet[Lead]:
    """The open, unowned leads of the pools the actor sees: the lead pool list, and what the scope gate
    lets them open beyond their data scope. ``pool_ids``: some of those pools, already read (the list has
    them), as constants, so that the database walks the pooled leads' index in the list's order instead of
    joining the pools and sorting every pooled lead."""
    pools = pools_visible(actor).values("pk") if pool_ids is None else list(pool_ids)
    return Lead.objects.filter(owner__isnull=True, status__in=OPEN_STATUSES, pool_id__in=pools)


def default_pool(unit_id: int, department: Department | None) -> LeadPool | None:
    """The most specific pool for a lead of this department: its own (the first, when it has several), else
    the nearest department's above, else the unit's; never a failed-lead pool. None when the unit has no
    lead pool (leads then wait unassigned in their department, as before pools)."""
    nearest = _department_ids(department)
    pools = list(
        LeadPool.objects.filter(business_unit_id=unit_id, is_failed=False)
        .filter(Q(department__isnull=True) | Q(department_id__in=nearest))
        .order_by("pk")
    )
    for department_id in nearest:
        for pool in pools:
            if pool.department_id == department_id:
                return pool
    return next((pool for pool in pools if pool.department_id is None), None)


def pool_choices(unit_id: int | None, *, failed: bool = True) -> QuerySet[LeadPool]:
    """The unit's pools, to choose a destination from (most specific first in the form's order)."""
    pools = LeadPool.objects.filter(business_unit_id=unit_id).select_related("department")
    if not failed:
        pools = pools.filter(is_failed=False)
    return pools.order_by("is_failed", "department__path", "pk")


def days_left(lead: Lead, now: datetime | None = None) -> int | None:
    """Whole days before an owned lead returns to its pool; None when it does not."""
    if lead.expires_at is None or lead.owner_id is None:
        return None
    return max((lead.expires_at - (now or timezone.now())).days, 0)


def rule_explained(lead: Lead) -> str:
    """Which rule returns an owned lead, in words: its product line's days in its pool, else the pool's."""
    from django.utils.translation import gettext as _

    pool = lead.pool
    if pool is None or lead.owner_id is None or lead.expires_at is None:
        return ""
    rules = pool_rules(pool, lead.business_unit_id, line=lead.product_line)
    if lead.product_line and lead.product_line in (pool.line_rules or {}):
        from guanxi.core.config.dictionary import dictionary_label

        line = dictionary_label("product_line", lead.product_line)
        return _("%(line)s line: %(days)d days untouched") % {"line": line, "days": rules.reclaim_days}
    return _("%(pool)s: %(days)d days untouched") % {"pool": pool.name, "days": rules.reclaim_days}
