"""Receipts (回款单, SPEC §8.2): entered against a signed contract or a confirmed order, confirmed by finance
through the approval engine. On approval the amount goes onto the receivable by a conditional UPDATE that
keeps it within the amount (of two receipts approved at once that together pass it, exactly one succeeds;
the other is refused with ``over_receipt`` naming what is outstanding), then onto the plans oldest first or
as chosen; the order's roll-up moves in the same transaction. Reversing releases the allocation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.money import money_text
from guanxi.core.outbox import emit
from guanxi.core.permissions import require_perm
from guanxi.org.models import User
from guanxi.sales.orders import services as orders
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_decide, approval_submit, approval_withdraw, pending_request_for

from ..models import Allocation, PaymentPlan, Receipt, ReceiptMethod, ReceiptStatus, Receivable
from .common import SLACK, OverReceipt, a_date, fen_sum, locked, money
from .plans import plan_status

RECEIPT_APPROVAL = "finance.receipt"
TEXTS = {"account": 100, "payer": 100, "reference": 100, "note": 500}


def _over_receipt(receivable: Receivable) -> str:
    return _("Receipts cannot exceed the amount: %(left)s is outstanding.") % {
        "left": money_text(receivable.outstanding)
    }


def _clean(actor: User, receivable: Receivable, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    received_on = a_date(data.get("received_on"), "received_on", errors)
    if received_on is not None and received_on > timezone.localdate():
        errors.setdefault("received_on", []).append(_("The date cannot be in the future."))
    amount = money(data.get("amount"), "amount", errors)
    method = str(data.get("method") or "")
    if method not in ReceiptMethod.values:
        errors.setdefault("method", []).append(_("Choose a method."))
    chosen = [int(pk) for pk in data.get("chosen_plans") or []]
    if chosen and PaymentPlan.objects.filter(receivable=receivable, pk__in=chosen).count() != len(set(chosen)):
        errors.setdefault("chosen_plans", []).append(_("Choose plans of this contract or order."))
    if amount > 0 and "amount" not in errors and amount > receivable.outstanding:
        errors.setdefault("amount", []).append(_over_receipt(receivable))
    if errors:
        raise ValidationError(errors)
    texts = {name: str(data.get(name) or "").strip()[:size] for name, size in TEXTS.items()}
    return {"received_on": received_on, "amount": amount, "method": method, "chosen_plans": chosen, **texts}


@transaction.atomic
def receipt_create(*, actor: User, receivable: Receivable, data: Mapping[str, Any]) -> Receipt:
    """A draft receipt on a receivable the actor can see."""
    require_perm(actor, "payments.create")
    row = locked(actor, receivable)
    from .common import _source_open

    _source_open(row.contract, row.order)
    values = _clean(actor, row, data)
    receipt = Receipt(
        business_unit_id=row.business_unit_id,
        receivable=row,
        customer_id=row.customer_id,
        owner_id=row.owner_id,
        created_by=actor,
        number=number_next(kind="receipt", prefix="HK", unit=row.business_unit_id),
        **values,
    )
    receipt.save()
    audit_log(actor=actor, action=Action.CREATE, obj=receipt, changes={"amount": [None, str(receipt.amount)]})
    return receipt


def _locked(actor: User, receipt: Receipt, perm: str = "payments.edit") -> Receipt:
    require_perm(actor, perm)
    row = Receipt.objects.visible_to(actor).select_for_update().filter(pk=receipt.pk).first()
    if row is None:
        raise NotPermitted(_("This receipt is outside your data scope."))
    return row


@transaction.atomic
def receipt_update(*, actor: User, receipt: Receipt, version: int | None, data: Mapping[str, Any]) -> Receipt:
    row = _locked(actor, receipt)
    if version is None or version != row.version:
        from guanxi.core.records import stale

        raise stale(row)
    if not row.is_editable:
        raise Conflict(_("Only a draft or a rejected receipt can be changed."), code="wrong_status")
    merged = {name: data.get(name, getattr(row, name)) for name in ("received_on", "amount", "method",
                                                                      "chosen_plans", *TEXTS)}  # fmt: skip
    values = _clean(actor, row.receivable, merged)
    before = str(row.amount)
    for name, value in values.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = timezone.now()
    row.save()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"amount": [before, str(row.amount)]})
    return row


def _move(row: Receipt, to: str, *, allowed: Sequence[str], **extra: Any) -> str:
    now = timezone.now()
    before = row.status
    moved = Receipt.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This receipt's status has changed meanwhile: reload it."), code="already_decided")
    row.status, row.version, row.updated_at = to, row.version + 1, now
    for name, value in extra.items():
        setattr(row, name, value)
    return before


@transaction.atomic
def receipt_submit(*, actor: User, receipt: Receipt) -> Receipt:
    """Send a draft (or rejected) receipt to finance: the unit's flow for receipts picks the approvers."""
    row = _locked(actor, receipt)
    if not row.is_editable:
        raise Conflict(_("Only a draft or a rejected receipt can be submitted."), code="already_decided")
    receivable = Receivable.objects.get(pk=row.receivable_id)
    if row.amount > receivable.outstanding:
        raise OverReceipt(_over_receipt(receivable), field="amount")
    before = _move(row, ReceiptStatus.PENDING, allowed=[ReceiptStatus.DRAFT, ReceiptStatus.REJECTED],
                   submitted_at=timezone.now())  # fmt: skip
    approval_submit(
        actor=actor,
        record_type=RECEIPT_APPROVAL,
        obj=row,
        unit=row.business_unit_id,
        title=f"{row.number} {receivable.number} ¥{row.amount:,}",
        amount=row.amount,
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, row.status]})
    return row


def _request(row: Receipt) -> ApprovalRequest:
    request = pending_request_for(record_type=RECEIPT_APPROVAL, obj=row)
    if row.status != ReceiptStatus.PENDING or request is None:
        raise Conflict(_("This receipt does not wait for approval."), code="already_decided")
    return request


def receipt_decide(*, actor: User, receipt: Receipt, approve: bool, comment: str = "") -> Receipt:
    """Finance's decision on the step waiting for them (the engine checks it is theirs)."""
    row = Receipt.objects.visible_to(actor).filter(pk=receipt.pk).first()
    if row is None:
        raise NotPermitted(_("This receipt is outside your data scope."))
    approval_decide(actor=actor, request=_request(row), approve=approve, comment=comment)
    row.refresh_from_db()
    return row


@transaction.atomic
def receipt_withdraw(*, actor: User, receipt: Receipt) -> Receipt:
    row = _locked(actor, receipt)
    approval_withdraw(actor=actor, request=_request(row))
    row.refresh_from_db()
    return row


def allocate(receivable: Receivable, amount: Decimal, chosen: Sequence[int] = ()) -> list[tuple[PaymentPlan, Decimal]]:
    """Split ``amount`` over the receivable's open plans (rows locked): the chosen ones first in the order
    given, then the rest oldest first. What no plan takes stays on the receivable unallocated."""
    plans = list(
        PaymentPlan.objects.select_for_update()
        .filter(receivable=receivable, received__lt=F("amount"))
        .order_by("due_on", "number", "pk")
    )
    order = {pk: i for i, pk in enumerate(chosen)}
    if chosen:
        plans.sort(key=lambda plan: (order.get(plan.pk, len(order)), plan.due_on, plan.number))
    result: list[tuple[PaymentPlan, Decimal]] = []
    left = amount
    for plan in plans:
        if left <= 0:
            break
        part = min(left, plan.outstanding)
        if part > 0:
            result.append((plan, part))
            left -= part
    return result


def _apply(actor: User, row: Receipt) -> None:
    """The money moves: the receivable (decided by the database), the plans, the order's roll-up."""
    moved = Receivable.objects.filter(pk=row.receivable_id, received__lte=F("amount") - row.amount + SLACK).update(
        received=fen_sum(F("received") + row.amount), updated_at=timezone.now()
    )
    receivable = Receivable.objects.select_related("order").get(pk=row.receivable_id)
    if not moved:
        raise OverReceipt(_over_receipt(receivable), field="amount")
    allocations = []
    for plan, part in allocate(receivable, row.amount, row.chosen_plans):
        plan.received += part
        plan.status = plan_status(plan)
        plan.version += 1
        allocations.append(
            Allocation(
                receipt=row,
                plan=plan,
                amount=part,
                owner_id=plan.owner_id,
                received_on=row.received_on,
                due_on=plan.due_on,
                owed_from=plan.owed_from,
            )
        )
        PaymentPlan.objects.filter(pk=plan.pk).update(received=plan.received, status=plan.status,
                                                      version=plan.version, updated_at=timezone.now())  # fmt: skip
    Allocation.objects.bulk_create(allocations)
    if receivable.order_id and receivable.order is not None:
        orders.order_received(actor=actor, order=receivable.order, amount=row.amount)


def _approved(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Receipt.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ReceiptStatus.APPROVED, allowed=[ReceiptStatus.PENDING], decided_at=timezone.now())
    _apply(actor, row)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "approved"]}, note=comment)
    emit("receipt.approved", row, actor=actor, data={"amount": str(row.amount)})


def _rejected(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Receipt.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ReceiptStatus.REJECTED, allowed=[ReceiptStatus.PENDING], decided_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "rejected"]}, note=comment)


def _withdrawn(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Receipt.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ReceiptStatus.DRAFT, allowed=[ReceiptStatus.PENDING], submitted_at=None)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "draft"]}, note=comment)


@transaction.atomic
def receipt_reverse(*, actor: User, receipt: Receipt, reason: str) -> Receipt:
    """Finance takes back a confirmed receipt (a bounced cheque, a wrong entry): its allocation is released
    and the roll-ups go down with it."""
    row = _locked(actor, receipt, "finance.edit")
    reason = (reason or "").strip()[:500]
    if not reason:
        raise DomainError(_("Say why the receipt is reversed."), field="reason")
    if row.status != ReceiptStatus.APPROVED:
        raise Conflict(_("Only a confirmed receipt can be reversed."), code="wrong_status")
    now = timezone.now()
    _move(row, ReceiptStatus.REVERSED, allowed=[ReceiptStatus.APPROVED], reversed_at=now, reverse_reason=reason)
    Receivable.objects.filter(pk=row.receivable_id).update(received=fen_sum(F("received") - row.amount), updated_at=now)
    allocations = list(Allocation.objects.filter(receipt=row, released_at__isnull=True).select_related("plan"))
    plans = {a.plan_id: a.plan for a in allocations}
    locked_plans = {p.pk: p for p in PaymentPlan.objects.select_for_update().filter(pk__in=list(plans))}
    for allocation in allocations:
        plan = locked_plans[allocation.plan_id]
        plan.received -= allocation.amount
        plan.status = plan_status(plan)
        plan.version += 1
        PaymentPlan.objects.filter(pk=plan.pk).update(received=plan.received, status=plan.status,
                                                      version=plan.version, updated_at=now)  # fmt: skip
    Allocation.objects.filter(receipt=row, released_at__isnull=True).update(released_at=now)
    receivable = Receivable.objects.select_related("order").get(pk=row.receivable_id)
    if receivable.order_id and receivable.order is not None:
        orders.order_received(actor=actor, order=receivable.order, amount=-row.amount)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["approved", "reversed"]}, note=reason)
    emit("receipt.reversed", row, actor=actor, data={"amount": str(row.amount), "reason": reason})
    return row


def register() -> None:
    from django.urls import reverse

    from guanxi.core.config.numbering import register_number_kind
    from guanxi.core.outbox import register_event
    from guanxi.workflows.models import ApproverKind
    from guanxi.workflows.registry import DefaultStep, RecordType, register_record_type

    register_record_type(
        RecordType(
            RECEIPT_APPROVAL,
            gettext_lazy("Receipt"),
            on_approved=_approved,
            on_rejected=_rejected,
            on_withdrawn=_withdrawn,
            url=lambda object_id: reverse("finance:receipt", args=[object_id]),
            # until the unit sets a flow: its finance (the shipped role), else the submitter's manager
            default_steps=(DefaultStep(kind=ApproverKind.ROLE, role_code="finance"),),
        )
    )
    register_number_kind("receipt", gettext_lazy("Receipt number"))
    register_event("receipt.approved", gettext_lazy("Receipt confirmed"))
    register_event("receipt.reversed", gettext_lazy("Receipt reversed"))
