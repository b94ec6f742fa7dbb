"""Follow-up plans (SPEC §4.2): scheduling, rescheduling, completing, cancelling, and the customer's next follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.notifications.services import notify
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import owner_in_scope
from guanxi.core.texts import Text
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import customer_next_followup_set, customer_row_lock
from guanxi.org.models import User

from ..models import FollowUp, Plan, PlanKind
from .subjects import _check_assignee, _check_subject, _set_related, related_filter

PLAN_FIELDS = [
    "customer", "contact", "related_type", "related_id", "owner", "kind", "subject", "script", "starts_at",
    "due_at", "status", "origin", "completed_at", "followup", "cancelled_at", "cancel_reason",
]  # fmt: skip


# --- plans --------------------------------------------------------------------------------------------


def _clean_plan(plan: Plan) -> None:
    errors: dict[str, list[str]] = {}
    plan.subject = (plan.subject or "").strip()
    if not plan.subject:
        errors.setdefault("subject", []).append(_("Give the plan a subject."))
    if plan.kind not in PlanKind.values:
        errors.setdefault("kind", []).append(_("Choose a plan type from the list."))
    if plan.due_at is None:
        errors.setdefault("due_at", []).append(_("Give the due time."))
    elif plan.starts_at is not None and plan.starts_at > plan.due_at:
        errors.setdefault("starts_at", []).append(_("The window must start before the plan is due."))
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *,
    actor: User,
    subject: str,
    due_at: datetime,
    customer: Customer | None = None,
    related: models.Model | None = None,
    owner: User | None = None,
    kind: str = PlanKind.CALL,
    contact: Contact | None = None,
    script: str = "",
    starts_at: datetime | None = None,
    origin: str = Plan.Origin.MANUAL,
    template_step: Any = None,
) -> Plan:
    """A dated task (SPEC §4.2) for ``owner`` (the actor by default; a colleague in the actor's scope with
    ``activities.assign``) on a customer and/or another record."""
    require_perm(actor, "activities.create")
    owner = owner or actor
    _check_assignee(actor, owner)
    _check_subject(actor, customer, contact, related)
    plan = plan_insert(
        actor=actor, subject=subject, due_at=due_at, customer=customer, related=related, owner=owner, kind=kind,
        contact=contact, script=script, starts_at=starts_at, origin=origin, template_step=template_step,
    )  # fmt: skip
    if owner.pk != actor.pk:
        notify(
            recipients=[owner],
            kind="assignment",
            title=Text(
                gettext_noop("%(who)s planned for you: %(subject)s"), who=actor.display_name, subject=plan.subject
            ),
            obj=plan,
        )
    return plan


def plan_insert(
    *,
    actor: User | None,
    subject: str,
    due_at: datetime,
    owner: User,
    customer: Customer | None = None,
    related: models.Model | None = None,
    kind: str = PlanKind.CALL,
    contact: Contact | None = None,
    script: str = "",
    starts_at: datetime | None = None,
    origin: str = Plan.Origin.MANUAL,
    template_step: Any = None,
) -> Plan:
    """Validate and save a plan, audit it and move the customer's next follow-up: for callers that did their
    own checks (``plan_create``) and for the rules that plan on the system's behalf (cadence, templates)."""
    plan = Plan(
        customer=customer,
        contact=contact,
        owner=owner,
        created_by=actor,
        kind=kind,
        subject=subject,
        script=(script or "").strip(),
        due_at=due_at,
        starts_at=starts_at or due_at,
        origin=origin,
        template_step=template_step,
    )
    _set_related(plan, related)
    _clean_plan(plan)
    plan.save()
    audit_log(actor=actor, action=Action.CREATE, obj=plan, changes=diff({}, snapshot(plan, PLAN_FIELDS)))
    _plans_changed(plan)
    return plan


def _require_plan_edit(actor: User, plan: Plan) -> None:
    require_perm(actor, "activities.edit")
    if not Plan.objects.visible_to(actor).filter(pk=plan.pk).exists():
        raise NotPermitted(_("This plan is outside your data scope."))
    if plan.owner_id != actor.pk and not (
        has_perm(actor, "activities.assign") and owner_in_scope(actor, "activities", plan.owner)
    ):
        raise NotPermitted(_("Only the assignee or their manager may change this plan."))


def _customer_first(plan: Plan) -> None:
    """Lock the plan's customer before writing the plan: the order the pool's return and sweep take them in."""
    if plan.customer_id:
        customer_row_lock(customer_id=plan.customer_id)


def _require_open(plan: Plan) -> None:
    if plan.status != Plan.Status.OPEN:
        raise DomainError(_("This plan is already %(status)s.") % {"status": plan.get_status_display().lower()},
                          code="plan_closed")  # fmt: skip


@transaction.atomic
def plan_reschedule(
    *,
    actor: User,
    plan: Plan,
    due_at: datetime,
    starts_at: datetime | None = None,
    version: int | None = None,
    owner: User | None = None,
) -> Plan:
    """Move an open plan to another time (and optionally to another assignee)."""
    _require_plan_edit(actor, plan)
    _customer_first(plan)
    _require_open(plan)
    before = snapshot(plan, PLAN_FIELDS)
    if owner is not None and owner.pk != plan.owner_id:
        _check_assignee(actor, owner)
        plan.owner = owner
    plan.due_at = due_at
    plan.starts_at = starts_at or due_at
    _clean_plan(plan)
    save_versioned(plan, expected_version=version or plan.version, fields=["due_at", "starts_at", "owner"])
    audit_log(actor=actor, action=Action.UPDATE, obj=plan, changes=diff(before, snapshot(plan, PLAN_FIELDS)))
    _plans_changed(plan)
    return plan


@transaction.atomic
def plan_complete(
    *,
    actor: User,
    plan: Plan,
    followup: FollowUp | None = None,
    next_subject: str = "",
    next_due_at: datetime | None = None,
) -> Plan:
    """Mark an open plan done, linked to the follow-up that fulfilled it, and plan the next step the user
    chose (``next_subject`` and ``next_due_at``). The conditional UPDATE decides when two people complete it
    at once: the second gets "already done"."""
    _require_plan_edit(actor, plan)
    _customer_first(plan)
    if followup is not None and not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise NotPermitted(_("This follow-up is outside your data scope."), field="followup")
    if followup is not None and not _same_subject(plan, followup):
        raise DomainError(_("This follow-up is about another customer or record."), field="followup")
    now = timezone.now()
    changed = Plan.objects.filter(pk=plan.pk, status=Plan.Status.OPEN).update(
        status=Plan.Status.DONE, completed_at=now, followup=followup, updated_at=now, version=F("version") + 1
    )
    if not changed:
        plan.refresh_from_db()
        _require_open(plan)
    before = snapshot(plan, PLAN_FIELDS)
    plan.status, plan.completed_at, plan.followup, plan.version = Plan.Status.DONE, now, followup, plan.version + 1
    audit_log(actor=actor, action=Action.UPDATE, obj=plan, changes=diff(before, snapshot(plan, PLAN_FIELDS)))
    _plans_changed(plan)
    _plan_next(actor=actor, done=plan, subject=next_subject, due_at=next_due_at)
    return plan


def _plan_next(*, actor: User, done: Plan, subject: str, due_at: datetime | None) -> None:
    """After ``done``: the next plan at the time the user chose; else, when its record must keep an open plan
    (an open opportunity, SPEC §4.3) and none is left, one at the proposed time (the customer's level
    cadence)."""
    origin = Plan.Origin.NEXT
    if due_at is None:
        if not getattr(done.related, "needs_open_plan", False):
            return
        if open_plans_of(customer=done.customer, related=done.related).exists():
            return
        from ..selectors import next_plan_proposal

        origin = Plan.Origin.MANDATORY
        due_at = next_plan_proposal(customer=done.customer, at=timezone.now())
    plan_create(
        actor=actor,
        subject=subject or _("Follow up on %(record)s") % {"record": done.related or done.customer},
        due_at=due_at,
        customer=done.customer,
        related=done.related,
        owner=done.owner if has_perm(actor, "activities.assign") else actor,
        contact=done.contact,
        origin=origin,
    )


def _same_subject(plan: Plan, followup: FollowUp) -> bool:
    if plan.customer_id and followup.customer_id:
        return plan.customer_id == followup.customer_id
    return (plan.related_type_id, plan.related_id) == (followup.related_type_id, followup.related_id)


@transaction.atomic
def plan_cancel(*, actor: User, plan: Plan, reason: str = "") -> Plan:
    """Cancel an open plan, with an optional reason."""
    _require_plan_edit(actor, plan)
    _customer_first(plan)
    now = timezone.now()
    reason = (reason or "").strip()[:200]
    changed = Plan.objects.filter(pk=plan.pk, status=Plan.Status.OPEN).update(
        status=Plan.Status.CANCELLED, cancelled_at=now, cancel_reason=reason, updated_at=now,
        version=F("version") + 1,
    )  # fmt: skip
    if not changed:
        plan.refresh_from_db()
        _require_open(plan)
    before = snapshot(plan, PLAN_FIELDS)
    plan.status, plan.cancelled_at, plan.cancel_reason = Plan.Status.CANCELLED, now, reason
    plan.version += 1
    audit_log(actor=actor, action=Action.UPDATE, obj=plan, changes=diff(before, snapshot(plan, PLAN_FIELDS)))
    _plans_changed(plan)
    return plan


@transaction.atomic
def plan_ensure_open(
    *,
    actor: User,
    customer: Customer | None,
    related: models.Model | None,
    within: timedelta = timedelta(hours=48),
    owner: User | None = None,
    subject: str = "",
) -> Plan:
    """SPEC §4.3: the record (``related``, e.g. a new opportunity; else the customer) keeps an open plan.
    Returns its earliest open plan, or creates one due ``within`` from now for ``owner`` (default: the
    actor) — the 48-hour follow-up of a new opportunity."""
    existing = open_plans_of(customer=customer, related=related).order_by("due_at", "pk").first()
    if existing is not None:
        return existing
    return plan_create(
        actor=actor,
        subject=subject or _("Follow up within %(hours)d hours") % {"hours": int(within.total_seconds() // 3600)},
        due_at=timezone.now() + within,
        customer=customer,
        related=related,
        owner=owner,
        origin=Plan.Origin.MANDATORY,
    )


def open_plans_of(*, customer: Customer | None = None, related: models.Model | None = None) -> Any:
    """Open plans of a related record (when given), else of a customer: not scoped, for rules and services."""
    rows = Plan.objects.filter(status=Plan.Status.OPEN)
    if related is not None:
        return rows.filter(related_filter(related))
    if customer is not None:
        return rows.filter(customer=customer)
    return rows.none()


def opportunity_followup_within(*, unit_id: int | None) -> timedelta:
    """The unit's setting for the mandatory plan of a new opportunity (default 48 hours)."""
    return timedelta(hours=parameter_value("plans.opportunity_followup_hours", unit=unit_id))


# --- the customer's next follow-up --------------------------------------------------------------------


def _plans_changed(plan: Plan) -> None:
    if plan.customer_id:
        customer_next_followup_sync(customer_id=plan.customer_id)


def customer_next_followup_sync(*, customer_id: int) -> None:
    """``Customer.next_followup_at`` = its earliest open plan's due time (lists filter and sort on it)."""
    earliest = Plan.objects.filter(customer_id=customer_id, status=Plan.Status.OPEN).aggregate(at=Min("due_at"))
    customer_next_followup_set(customer_id=customer_id, at=earliest["at"])
