"""Every write on expense claims (SPEC §14.7): lines checked in full (a category of the dictionary, a day
not in the future, an amount above zero, a receipt that is an image), submission through the approval
engine with the claim's total as the amount its flow's thresholds read, and payment by finance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.collab.files import check_upload
from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.models import Opportunity
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_submit, approval_withdraw, pending_request_for

from .models import CATEGORY_DICTIONARY, Expense, ExpenseLine, ExpenseStatus

EXPENSE_APPROVAL = "expenses.claim"
FEN = Decimal("0.01")
MAX_LINES = 50


def _amount(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return Decimal(0)
    if number <= 0:
        errors.setdefault(field, []).append(_("Must be more than zero."))
    elif number.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.setdefault(field, []).append(_("At most two decimal places."))
    elif number >= Decimal("10000000000"):
        errors.setdefault(field, []).append(_("Too large."))
    return number


def _clean_lines(actor: User, lines: Iterable[Mapping[str, Any]]) -> list[tuple[ExpenseLine, Any]]:
    """Every problem at once, by line and field (``lines.1.amount``); nothing is written when any is found."""
    raw = list(lines)
    errors: dict[str, list[str]] = {}
    rows: list[tuple[ExpenseLine, Any]] = []
    today = timezone.localdate()
    if not raw:
        errors["lines"] = [_("Add at least one line.")]
    if len(raw) > MAX_LINES:
        errors["lines"] = [_("At most %(count)d lines.") % {"count": MAX_LINES}]
    for index, data in enumerate(raw):
        prefix = f"lines.{index}."
        category = str(data.get("category") or "")
        try:
            dictionary_validate(CATEGORY_DICTIONARY, category, field=prefix + "category")
        except DomainError as error:
            errors.setdefault(prefix + "category", []).append(str(error.message))
        spent_on = data.get("spent_on")
        if not isinstance(spent_on, date):
            errors.setdefault(prefix + "spent_on", []).append(_("Enter a valid date."))
        elif spent_on > today:
            errors.setdefault(prefix + "spent_on", []).append(_("The date cannot be in the future."))
        amount = _amount(data.get("amount"), prefix + "amount", errors)
        receipt = data.get("receipt")
        checked = None
        if receipt:
            try:
                checked = check_upload(receipt, unit=actor.business_unit_id, field=prefix + "receipt", images_only=True)
            except DomainError as error:
                errors.setdefault(prefix + "receipt", []).append(str(error.message))
        line = ExpenseLine(
            position=index,
            category=category,
            spent_on=spent_on if isinstance(spent_on, date) else today,
            amount=amount.quantize(FEN) if amount > 0 else Decimal("0.01"),
            note=str(data.get("note") or "")[:200],
        )
        rows.append((line, checked))
    if errors:
        raise ValidationError(errors)
    return rows


def _check_links(actor: User, data: Mapping[str, Any]) -> tuple[Customer | None, Opportunity | None]:
    customer, opportunity = data.get("customer"), data.get("opportunity")
    errors: dict[str, list[str]] = {}
    if customer is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        errors["customer"] = [_("Choose a customer you can see.")]
    if opportunity is not None:
        if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
            errors["opportunity"] = [_("Choose an opportunity you can see.")]
        elif customer is None:
            customer = opportunity.customer
        elif opportunity.customer_id != customer.pk:
            errors["opportunity"] = [_("Choose an opportunity of this customer.")]
    if not str(data.get("title") or "").strip():
        errors["title"] = [_("Enter a purpose.")]
    if errors:
        raise ValidationError(errors)
    return customer, opportunity


def _write_lines(expense: Expense, rows: list[tuple[ExpenseLine, Any]]) -> Decimal:
    total = Decimal(0)
    for line, checked in rows:
        line.expense = expense
        if checked is not None:
            line.receipt.save(checked.name, checked.upload, save=False)
            line.receipt_name = checked.name
        line.save()
        total += line.amount
    return total


@transaction.atomic
def expense_create(*, actor: User, data: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]) -> Expense:
    """A draft claim of the actor's, numbered in their unit."""
    require_perm(actor, "expenses.create")
    unit = actor.business_unit_id
    if unit is None:
        raise NotPermitted(_("Only members of a business unit can claim expenses."))
    customer, opportunity = _check_links(actor, data)
    rows = _clean_lines(actor, lines)
    expense = Expense(
        business_unit_id=unit,
        owner=actor,
        created_by=actor,
        title=str(data["title"]).strip()[:200],
        customer=customer,
        opportunity=opportunity,
        number=number_next(kind="expense", prefix="BX", unit=unit),
    )
    expense.save()
    expense.total = _write_lines(expense, rows)
    Expense.objects.filter(pk=expense.pk).update(total=expense.total)
    audit_log(actor=actor, action=Action.CREATE, obj=expense, changes={"total": [None, str(expense.total)]})
    return expense


def _locked(actor: User, expense: Expense, perm: str = "expenses.edit") -> Expense:
    require_perm(actor, perm)
    row = Expense.objects.visible_to(actor).select_for_update().filter(pk=expense.pk).first()
    if row is None:
        raise NotPermitted(_("This expense claim is outside your data scope."))
    return row


@transaction.atomic
def expense_update(
    *,
    actor: User,
    expense: Expense,
    version: int,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Expense:
    """Change a draft (or a rejected claim, to submit it again): its purpose, links and all of its lines."""
    row = _locked(actor, expense)
    if row.version != version:
        from guanxi.core.records import stale

        raise stale(row)
    if not row.is_editable:
        raise DomainError(_("Only a draft or a rejected claim can be changed."), code="wrong_status")
    if row.owner_id != actor.pk:
        raise NotPermitted(_("Only the claimant changes a claim."))
    merged = {name: data.get(name, getattr(row, name)) for name in ("title", "customer", "opportunity")}
    customer, opportunity = _check_links(actor, merged)
    rows = _clean_lines(actor, lines) if lines is not None else None
    before = str(row.total)
    row.title, row.customer, row.opportunity = str(merged["title"]).strip()[:200], customer, opportunity
    if rows is not None:
        row.lines.all().delete()
        row.total = _write_lines(row, rows)
    Expense.objects.filter(pk=row.pk).update(
        title=row.title, customer=customer, opportunity=opportunity, total=row.total,
        updated_at=timezone.now(), version=F("version") + 1,
    )  # fmt: skip
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"total": [before, str(row.total)]})
    return row


def _move(row: Expense, to: str, *, allowed: list[str], **extra: Any) -> None:
    """The status change as a conditional UPDATE: of two clicks at once one wins, the other gets 409."""
    now = timezone.now()
    moved = Expense.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This claim's status has changed meanwhile: reload it."), code="already_decided")
    row.status, row.version, row.updated_at = to, row.version + 1, now
    for name, value in extra.items():
        setattr(row, name, value)


@transaction.atomic
def expense_submit(*, actor: User, expense: Expense) -> Expense:
    """Send a draft (or a rejected claim) for approval: the unit's flow decides the approvers by its total."""
    row = _locked(actor, expense)
    if row.owner_id != actor.pk:
        raise NotPermitted(_("Only the claimant submits a claim."))
    if not row.is_editable:
        raise Conflict(_("Only a draft or a rejected claim can be submitted."), code="already_decided")
    if not row.lines.exists():
        raise DomainError(_("Add at least one line."), field="lines")
    if row.lines.filter(spent_on__gt=timezone.localdate()).exists():
        raise DomainError(_("The date cannot be in the future."), field="lines")
    before = row.status
    _move(
        row, ExpenseStatus.PENDING, allowed=[ExpenseStatus.DRAFT, ExpenseStatus.REJECTED], submitted_at=timezone.now()
    )
    approval_submit(
        actor=actor,
        record_type=EXPENSE_APPROVAL,
        obj=row,
        unit=row.business_unit_id,
        title=f"{row.number} {row.title}",
        amount=row.total,
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, row.status]})
    return row


@transaction.atomic
def expense_withdraw(*, actor: User, expense: Expense) -> Expense:
    row = _locked(actor, expense)
    request = pending_request_for(record_type=EXPENSE_APPROVAL, obj=row)
    if row.status != ExpenseStatus.PENDING or request is None:
        raise Conflict(_("This claim does not wait for approval."), code="already_decided")
    approval_withdraw(actor=actor, request=request)
    row.refresh_from_db()
    return row


@transaction.atomic
def expense_pay(*, actor: User, expense: Expense, reference: str = "") -> Expense:
    """Finance marks an approved claim paid (once: a second click is refused)."""
    require_perm(actor, "expense_payments.edit")
    row = Expense.objects.visible_to(actor).select_for_update().filter(pk=expense.pk).first()
    if row is None:
        raise NotPermitted(_("This expense claim is outside your data scope."))
    if row.status != ExpenseStatus.APPROVED:
        raise Conflict(_("Only an approved claim can be paid."), code="wrong_status")
    _move(row, ExpenseStatus.PAID, allowed=[ExpenseStatus.APPROVED], paid_at=timezone.now(), paid_by=actor,
          payment_reference=reference.strip()[:100])  # fmt: skip
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["approved", "paid"]})
    return row


@transaction.atomic
def expense_delete(*, actor: User, expense: Expense) -> None:
    row = _locked(actor, expense, "expenses.delete")
    if row.status not in (ExpenseStatus.DRAFT, ExpenseStatus.REJECTED):
        raise DomainError(_("Only a draft or a rejected claim can be deleted."), code="in_use")
    Expense.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=row)


def _approved(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Expense.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ExpenseStatus.APPROVED, allowed=[ExpenseStatus.PENDING], decided_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "approved"]}, note=comment)


def _rejected(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Expense.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ExpenseStatus.REJECTED, allowed=[ExpenseStatus.PENDING], decided_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "rejected"]}, note=comment)


def _withdrawn(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Expense.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ExpenseStatus.DRAFT, allowed=[ExpenseStatus.PENDING], submitted_at=None)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "draft"]}, note=comment)


def register() -> None:
    from django.urls import reverse

    from guanxi.core.config.numbering import register_number_kind
    from guanxi.workflows.registry import RecordType, register_record_type

    register_record_type(
        RecordType(
            EXPENSE_APPROVAL,
            gettext_lazy("Expense claim"),
            on_approved=_approved,
            on_rejected=_rejected,
            on_withdrawn=_withdrawn,
            url=lambda object_id: reverse("expenses:detail", args=[object_id]),
        )
    )
    register_number_kind("expense", gettext_lazy("Expense claim number"))
