"""Every write on follow-ups and plans (SPEC §4.1–4.3): one transaction each, permission and scope first,
full validation, audit; the customer's last and next follow-up times kept in step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.notifications.services import notify
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import owner_in_scope
from guanxi.core.texts import Text
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import customer_followed_up, customer_next_followup_set, customer_row_lock
from guanxi.org.models import User

from . import attachments as attachment_rules
from .models import Channel, FollowUp, FollowUpAttachment, FollowUpComment, Plan, PlanKind

FOLLOWUP_FIELDS = [
    "customer", "contact", "related_type", "related_id", "owner", "channel", "occurred_at", "content", "feedback",
    "next_step", "next_contact_at", "latitude", "longitude", "location_accuracy", "location_address",
]  # fmt: skip
PLAN_FIELDS = [
    "customer", "contact", "related_type", "related_id", "owner", "kind", "subject", "script", "starts_at",
    "due_at", "status", "origin", "completed_at", "followup", "cancelled_at", "cancel_reason",
]  # fmt: skip
# A follow-up may be recorded a little "in the future" (clocks of phones differ), never more.
CLOCK_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Location:
    """A check-in (移动签到) as the browser's geolocation gave it."""

    latitude: Decimal
    longitude: Decimal
    accuracy: int | None = None
    address: str = ""


# --- what a record is about ---------------------------------------------------------------------------


def _check_subject(
    actor: User, customer: Customer | None, contact: Contact | None, related: models.Model | None
) -> None:
    """The customer and the related record must be visible to the actor; the contact must be the customer's."""
    if customer is None and related is None:
        raise DomainError(_("Choose the customer or the record this is about."), field="customer")
    if customer is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."), code="not_visible")
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise DomainError(_("This contact belongs to another customer."), field="contact")
    if related is not None:
        if related.pk is None:
            raise DomainError(_("The related record is not saved."), field="related")
        related_customer_id = getattr(related, "customer_id", None)
        if customer is not None and related_customer_id and related_customer_id != customer.pk:
            raise DomainError(_("This record belongs to another customer."), field="related")
        visible = getattr(type(related)._default_manager, "visible_to", None)
        if visible is not None and not visible(actor).filter(pk=related.pk).exists():
            raise NotPermitted(_("The related record is outside your data scope."), code="not_visible")


def _set_related(record: FollowUp | Plan, related: models.Model | None) -> None:
    if related is None:
        record.related_type, record.related_id = None, None
    else:
        record.related_type = ContentType.objects.get_for_model(type(related))
        record.related_id = related.pk


def related_filter(related: models.Model) -> Q:
    """Rows about one related record (an opportunity, a lead …)."""
    return Q(related_type=ContentType.objects.get_for_model(type(related)), related_id=related.pk)


# --- follow-ups ---------------------------------------------------------------------------------------


@transaction.atomic
def followup_create(
    *,
    actor: User,
    content: str,
    channel: str = Channel.PHONE,
    occurred_at: datetime | None = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    related: models.Model | None = None,
    feedback: str = "",
    next_step: str = "",
    location: Location | None = None,
    files: Sequence[UploadedFile] = (),
    plan: Plan | None = None,
    next_contact_at: datetime | None = None,
    add_to_calendar: bool = True,
    next_owner: User | None = None,
) -> FollowUp:
    """Record a follow-up (SPEC §4.1) by the actor. It moves the customer's last follow-up time (and so its
    pool expiry); with ``plan`` it fulfils that plan (``plan_complete``, which keeps an open opportunity
    planned). ``next_contact_at`` (下次联系时间) is kept on the record and, with ``add_to_calendar``, becomes
    the next plan (subject: the next step) for ``next_owner`` (the actor by default, or a colleague they may
    plan for), all or nothing."""
    require_perm(actor, "activities.create")
    now = timezone.now()
    occurred_at = occurred_at or now
    if plan is not None and customer is None and related is None:
        customer, related = plan.customer, plan.related
        contact = contact or plan.contact
    _check_subject(actor, customer, contact, related)
    errors: dict[str, list[str]] = {}
    content = (content or "").strip()
    if not content:
        errors.setdefault("content", []).append(_("Say what was discussed."))
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Choose a channel from the list."))
    if occurred_at > now + CLOCK_SLACK:
        errors.setdefault("occurred_at", []).append(_("A follow-up cannot be recorded in the future."))
    if feedback:
        try:
            dictionary_validate("customer_feedback", feedback, field="feedback")
        except DomainError as error:
            errors.setdefault("feedback", []).append(str(error.message))
    try:
        attachment_rules.attachments_clean(files)
    except DomainError as error:
        errors.setdefault("files", []).append(str(error.message))
    if location is not None and not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        errors.setdefault("latitude", []).append(_("The check-in position is not a place on Earth."))
    if next_contact_at is not None and next_contact_at <= occurred_at:
        errors.setdefault("next_contact_at", []).append(_("The next contact must come after this follow-up."))
    plans_next = next_contact_at is not None and add_to_calendar
    if plans_next:
        _check_assignee(actor, next_owner or actor, field="next_owner")
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)
    followup = FollowUp(
        customer=customer,
        contact=contact,
        owner=actor,
        created_by=actor,
        channel=channel,
        occurred_at=occurred_at,
        content=content,
        feedback=feedback,
        next_step=(next_step or "").strip()[:200],
        next_contact_at=next_contact_at,
    )
    _set_related(followup, related)
    if location is not None:
        followup.latitude, followup.longitude = location.latitude, location.longitude
        followup.location_accuracy = location.accuracy
        followup.location_address = location.address[:200]
    followup.full_clean(exclude=["custom"])
    followup.save()
    for upload in files:
        attachment_rules.attachment_store(followup=followup, upload=upload, actor=actor)
    audit_log(actor=actor, action=Action.CREATE, obj=followup, changes=diff({}, snapshot(followup, FOLLOWUP_FIELDS)))
    if customer is not None:
        first_contact = customer.last_followup_at is None
        customer_followed_up(customer=customer, at=occurred_at)
        if first_contact:  # the memory curve, when an administrator switched it on (SPEC §4.7)
            from .plan_templates import plan_templates_apply

            plan_templates_apply(event="first_contact", customer=customer, at=occurred_at, actor=actor)
    if plans_next:
        # Before completing ``plan``: the explicit next contact is then the open plan that completing the
        # last one asks for, so no other is proposed or created.
        assert next_contact_at is not None
        plan_create(
            actor=actor,
            subject=followup.next_step or _("Follow up"),
            due_at=next_contact_at,
            customer=customer,
            related=related,
            contact=contact,
            owner=next_owner,
            origin=Plan.Origin.NEXT,
        )
    if plan is not None:
        plan_complete(actor=actor, plan=plan, followup=followup)
    return followup


@transaction.atomic
def followup_attach(*, actor: User, followup: FollowUp, files: Sequence[UploadedFile]) -> list[FollowUpAttachment]:
    """Add files to one's own follow-up."""
    _require_followup_edit(actor, followup)
    attachment_rules.attachments_clean(files, already=followup.attachments.count())
    return [attachment_rules.attachment_store(followup=followup, upload=upload, actor=actor) for upload in files]


@transaction.atomic
def followup_delete(*, actor: User, followup: FollowUp) -> None:
    """Soft-delete a follow-up recorded by mistake (its author with ``activities.delete``, or a manager)."""
    require_perm(actor, "activities.delete")
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise NotPermitted(_("This follow-up is outside your data scope."))
    now = timezone.now()
    FollowUp.objects.filter(pk=followup.pk).update(deleted_at=now, updated_at=now)
    followup.deleted_at = now
    audit_log(actor=actor, action=Action.DELETE, obj=followup)


def _require_followup_edit(actor: User, followup: FollowUp) -> None:
    require_perm(actor, "activities.edit")
    if followup.owner_id != actor.pk:
        raise NotPermitted(_("Only the person who recorded this follow-up may change it."))


@transaction.atomic
def followup_comment_add(*, actor: User, followup: FollowUp, text: str) -> FollowUpComment:
    """A manager's comment or instruction (领导批示) on a follow-up in their scope; its author is notified."""
    require_perm(actor, "activities.approve")
    if not FollowUp.objects.visible_to(actor).filter(pk=followup.pk).exists():
        raise NotPermitted(_("This follow-up is outside your data scope."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the comment."), field="text")
    if len(text) > 2000:
        raise DomainError(_("At most 2,000 characters."), field="text")
    comment = FollowUpComment.objects.create(followup=followup, author=actor, text=text)
    audit_log(actor=actor, action=Action.UPDATE, obj=followup, changes={"comment": [None, text]})
    if followup.owner_id != actor.pk:
        notify(
            recipients=[followup.owner],
            kind="comment",
            title=Text(gettext_noop("%(who)s commented on your follow-up"), who=actor.display_name or actor.username),
            body=text,
            obj=followup,
        )
    return comment


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


def _check_assignee(actor: User, owner: User, *, field: str = "owner") -> None:
    """A plan is for the actor, or for an active colleague in their scope when they may assign."""
    if owner.pk == actor.pk:
        return
    if not has_perm(actor, "activities.assign") or not owner_in_scope(actor, "activities", owner):
        raise NotPermitted(_("You may plan only for yourself or the colleagues you manage."), field=field)
    if owner.status != User.Status.ACTIVE:
        raise DomainError(_("This user is not active."), field=field)


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
        from .selectors import next_plan_proposal

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


# --- merging customers (customers.merge moves child records through these) -------------------------------


def followups_move_on_merge(actor: User, keep: Customer, other: Customer) -> int:
    """The merged customer's follow-ups join the kept one's timeline; its last follow-up time follows."""
    moved = FollowUp.all_objects.filter(customer=other).update(customer=keep, updated_at=timezone.now())
    latest = FollowUp.objects.filter(customer=keep).aggregate(at=models.Max("occurred_at"))["at"]
    if latest is not None:
        customer_followed_up(customer=keep, at=latest)
    return moved


def plans_move_on_merge(actor: User, keep: Customer, other: Customer) -> int:
    moved = Plan.all_objects.filter(customer=other).update(customer=keep, updated_at=timezone.now())
    customer_next_followup_sync(customer_id=keep.pk)
    customer_next_followup_sync(customer_id=other.pk)
    return moved


# --- when a customer changes hands (the pool and transfers call these in their transaction) ---------------


@transaction.atomic
def customer_plans_reassign(*, customer: Customer, owner: User, actor: User | None = None) -> int:
    """The customer's open plans follow it to its new owner (a transfer, an assignment, a handover)."""
    rows = Plan.objects.filter(customer=customer, status=Plan.Status.OPEN).exclude(owner=owner)
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        Plan.objects.filter(pk__in=ids).update(owner=owner, updated_at=timezone.now(), version=F("version") + 1)
        audit_log(
            actor=actor,
            action=Action.OWNERSHIP,
            obj=customer,
            changes={"plans": [len(ids), owner.pk]},
            note="open plans reassigned",
        )
    return len(ids)


@transaction.atomic
def customer_plans_close(*, customer: Customer, reason: str, actor: User | None = None) -> int:
    """Cancel the customer's open plans (it returned to the public pool: nobody is to follow it up)."""
    closed = customers_plans_close(customer_ids=[customer.pk], reason=reason)
    if closed:
        audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes={"plans": [closed, 0]}, note=reason[:200])
        customer_next_followup_sync(customer_id=customer.pk)
    return closed


def customers_plans_close(*, customer_ids: Sequence[int], reason: str) -> int:
    """The pool's sweep returns customers by the thousand: one statement cancels all their open plans (it
    clears their next follow-up time itself, in the statement that returns them)."""
    now = timezone.now()
    return Plan.objects.filter(customer_id__in=customer_ids, status=Plan.Status.OPEN).update(
        status=Plan.Status.CANCELLED, cancelled_at=now, cancel_reason=reason[:200], updated_at=now,
        version=F("version") + 1,
    )  # fmt: skip


# --- a record that becomes a customer's -----------------------------------------------------------------


@transaction.atomic
def related_attach_customer(*, actor: User, related: models.Model, customer: Customer) -> int:
    """The follow-ups and plans of a record that had no customer (a lead) belong to ``customer`` from now on
    (lead conversion, SPEC §5.4): they appear on its timeline and its plan list, keep their related record,
    and move its last follow-up time. Returns how many rows moved."""
    followups = FollowUp.objects.filter(related_filter(related), customer__isnull=True)
    latest = followups.aggregate(at=Max("occurred_at"))["at"]
    moved = followups.update(customer=customer)
    moved += Plan.objects.filter(related_filter(related), customer__isnull=True).update(customer=customer)
    if moved:
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            obj=customer,
            changes={"followups": [None, moved]},
            note=_("Follow-ups and plans of %(record)s moved here") % {"record": related},
        )
    if latest is not None:
        customer_followed_up(customer=customer, at=latest)
    customer_next_followup_sync(customer_id=customer.pk)
    return moved
