"""Levels and cadence (SPEC §4.4): a customer's level sets the longest interval until its next follow-up.
Changing the level moves the next open plan within the new interval, or plans one when there is none."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import Plan
from .selectors import level_interval
from .services import customer_next_followup_sync, plan_insert


@transaction.atomic
def customer_level_changed(*, actor: User | None, customer: Customer, at: datetime | None = None) -> Plan | None:
    """Customers calls this when a level changes: the owner's next plan is due at most the level's
    interval from now. Returns the plan moved or created (None: nothing to do — no level, or no owner)."""
    at = at or timezone.now()
    interval = level_interval(customer.level, unit=customer.business_unit_id)
    if interval is None or customer.owner_id is None:
        return None
    deadline = at + interval
    plan = (
        Plan.objects.select_for_update()
        .filter(customer=customer, status=Plan.Status.OPEN)
        .order_by("due_at", "pk")
        .first()
    )
    if plan is None:
        return plan_insert(
            actor=actor,
            subject=_("Follow up (level %(level)s)") % {"level": customer.level},
            due_at=deadline,
            owner=customer.owner,  # type: ignore[arg-type]
            customer=customer,
            origin=Plan.Origin.CADENCE,
        )
    if plan.due_at <= deadline:
        return plan
    before = plan.due_at
    plan.due_at = deadline
    plan.starts_at = min(plan.starts_at, deadline)
    Plan.objects.filter(pk=plan.pk).update(  # a new version: an edit loaded before this is stale
        due_at=plan.due_at, starts_at=plan.starts_at, updated_at=at, version=F("version") + 1
    )
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=plan,
        changes={"due_at": [before.isoformat(), deadline.isoformat()]},
        note=_("Level changed to %(level)s") % {"level": customer.level},
    )
    customer_next_followup_sync(customer_id=customer.pk)
    return plan
