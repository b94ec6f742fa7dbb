"""What follows a customer's merge, change of hands, or a record becoming the customer's."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.bulk import among
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_followed_up
from guanxi.org.models import User

from ..models import FollowUp, Plan
from .plans import customer_next_followup_sync
from .subjects import related_filter

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
    return Plan.objects.filter(customer_id__in=among(customer_ids), status=Plan.Status.OPEN).update(
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


def register() -> None:
    """A customer merge moves the merged customer's follow-ups and plans to the one kept; a transferred
    customer's open plans follow it; a new level moves the next plan within its interval."""
    from guanxi.customers import hooks as customer_hooks
    from guanxi.customers.merge import register_merge_child

    from .. import cadence

    register_merge_child(FollowUp, "customer", move=followups_move_on_merge)
    register_merge_child(Plan, "customer", move=plans_move_on_merge)
    customer_hooks.OWNER_CHANGED.append(customer_plans_reassign)
    customer_hooks.LEVEL_CHANGED.append(cadence.customer_level_changed)
