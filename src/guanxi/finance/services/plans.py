"""Payment plans (回款计划, SPEC §8.1): instalments entered or generated from the contract's payment terms;
the plans of a receivable never sum above its amount (a conditional UPDATE of its ``planned`` roll-up); a
plan with receipts can no longer be changed."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.money import money_text
from guanxi.core.permissions import require_perm
from guanxi.org.models import User

from ..models import Allocation, PaymentPlan, PlanStatus, Receivable
from .common import FEN, SLACK, a_date, check_version, fen_sum, locked, money

PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
MAX_PLANS = 60


def plan_status(plan: PaymentPlan) -> str:
    """Received in full; otherwise overdue once the sweep marked it; else partially received or pending."""
    if plan.received >= plan.amount:
        return PlanStatus.RECEIVED
    if plan.overdue_at is not None:
        return PlanStatus.OVERDUE
    return PlanStatus.PARTIAL if plan.received > 0 else PlanStatus.PENDING


def _reserve(receivable: Receivable, change: Decimal) -> None:
    """Move the planned roll-up by ``change``, refused when the plans would pass the amount."""
    if change > 0:
        moved = Receivable.objects.filter(pk=receivable.pk, planned__lte=F("amount") - change + SLACK).update(
            planned=fen_sum(F("planned") + change), updated_at=timezone.now()
        )
        if not moved:
            left = Receivable.objects.filter(pk=receivable.pk).values_list("amount", "planned").get()
            raise DomainError(
                _("The plans cannot sum above the amount: %(left)s is left to plan.")
                % {"left": money_text(left[0] - left[1])},
                field="amount",
                code="over_plan",
            )
    elif change < 0:
        Receivable.objects.filter(pk=receivable.pk).update(
            planned=fen_sum(F("planned") + change), updated_at=timezone.now()
        )
    receivable.planned += change


def _has_receipts(plan: PaymentPlan) -> bool:
    return plan.received > 0 or Allocation.objects.filter(plan=plan, released_at__isnull=True).exists()


@transaction.atomic
def plan_create(*, actor: User, receivable: Receivable, data: Mapping[str, Any]) -> PaymentPlan:
    """Add an instalment: its due date and amount (within what is left to plan)."""
    require_perm(actor, "payments.create")
    row = locked(actor, receivable)
    errors: dict[str, list[str]] = {}
    due_on = a_date(data.get("due_on"), "due_on", errors)
    amount = money(data.get("amount"), "amount", errors)
    if errors or due_on is None:
        raise ValidationError(errors)
    number = (PaymentPlan.objects.filter(receivable=row).aggregate(top=Max("number"))["top"] or 0) + 1
    _reserve(row, amount)
    plan = PaymentPlan.objects.create(
        receivable=row,
        owner_id=row.owner_id,
        owed_from=row.owed_from,
        number=number,
        due_on=due_on,
        amount=amount,
        note=str(data.get("note") or "")[:200],
    )
    audit_log(actor=actor, action=Action.CREATE, obj=plan, changes={"amount": [None, str(amount)],
                                                                    "due_on": [None, str(due_on)]})  # fmt: skip
    return plan


def _locked_plan(actor: User, plan: PaymentPlan) -> PaymentPlan:
    require_perm(actor, "payments.edit")
    row = PaymentPlan.objects.visible_to(actor).select_for_update().filter(pk=plan.pk).first()
    if row is None:
        raise NotPermitted(_("This payment plan is outside your data scope."))
    return row


@transaction.atomic
def plan_update(*, actor: User, plan: PaymentPlan, version: int | None, data: Mapping[str, Any]) -> PaymentPlan:
    """Change an instalment's due date, amount or note, while no receipt is allocated to it."""
    receivable = locked(actor, plan.receivable)
    row = _locked_plan(actor, plan)
    check_version(row, version)
    if _has_receipts(row):
        raise Conflict(_("Receipts are allocated to this plan: it can no longer be changed."), code="has_receipts")
    errors: dict[str, list[str]] = {}
    due_on = a_date(data.get("due_on", row.due_on), "due_on", errors)
    amount = money(data.get("amount", row.amount), "amount", errors)
    if errors:
        raise ValidationError(errors)
    before = {"due_on": str(row.due_on), "amount": str(row.amount)}
    _reserve(receivable, amount - row.amount)
    row.due_on, row.amount, row.note = due_on, amount, str(data.get("note", row.note) or "")[:200]  # type: ignore[assignment]
    if row.overdue_at is not None and due_on >= timezone.localdate():  # type: ignore[operator]
        row.overdue_at = None  # moved out of overdue: the sweep marks (and reminds) it again when it is due
        row.reminded_at = None
    row.status = plan_status(row)
    row.version += 1
    row.save()
    after = {"due_on": str(row.due_on), "amount": str(row.amount)}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


@transaction.atomic
def plan_delete(*, actor: User, plan: PaymentPlan) -> None:
    receivable = locked(actor, plan.receivable)
    row = _locked_plan(actor, plan)
    if _has_receipts(row) or Allocation.objects.filter(plan=row).exists():
        raise Conflict(_("Receipts are allocated to this plan: it can no longer be changed."), code="has_receipts")
    _reserve(receivable, -row.amount)
    audit_log(actor=actor, action=Action.DELETE, obj=row, changes={"amount": [str(row.amount), None]})
    row.delete()


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def terms_split(terms: str) -> list[Decimal]:
    """The percentages written in payment terms ("30% 预付，60% 到货，10% 质保金"), when they make 100."""
    shares = [Decimal(found) for found in PERCENT.findall(terms or "")]
    return shares if shares and sum(shares) == 100 else []


def split_amount(amount: Decimal, shares: Iterable[Decimal]) -> list[Decimal]:
    """The amount in these shares (percent), to the fen; the last instalment takes the rounding."""
    shares = list(shares)
    parts = [(amount * share / 100).quantize(FEN) for share in shares[:-1]]
    return [*parts, amount - sum(parts, Decimal(0))]


@transaction.atomic
def plans_generate(
    *, actor: User, receivable: Receivable, first_due: date, every_months: int = 1, count: int | None = None
) -> list[PaymentPlan]:
    """Instalments for what is left to plan: in the shares the contract's payment terms name (30% / 60% /
    10%), else in ``count`` equal parts; the first due on ``first_due``, the next each ``every_months``."""
    require_perm(actor, "payments.create")
    row = locked(actor, receivable)
    left = row.amount - row.planned
    if left <= 0:
        raise DomainError(_("The whole amount is already planned."), code="over_plan")
    terms = row.contract.payment_terms if row.contract_id and row.contract else ""
    shares = terms_split(terms)
    if not shares:
        parts = count or 1
        if not 1 <= parts <= MAX_PLANS:
            raise DomainError(_("Between 1 and %(max)d instalments.") % {"max": MAX_PLANS}, field="count")
        shares = [Decimal(100) / parts] * parts
    if not 0 <= every_months <= 24:
        raise DomainError(_("Between 0 and 24 months."), field="every_months")
    amounts = split_amount(left, shares)
    if any(amount <= 0 for amount in amounts):
        raise DomainError(_("Too many instalments for this amount."), field="count")
    number = PaymentPlan.objects.filter(receivable=row).aggregate(top=Max("number"))["top"] or 0
    plans = [
        PaymentPlan(
            receivable=row,
            owner_id=row.owner_id,
            owed_from=row.owed_from,
            number=number + i + 1,
            due_on=_add_months(first_due, i * every_months),
            amount=amount,
        )
        for i, amount in enumerate(amounts)
    ]
    _reserve(row, left)
    PaymentPlan.objects.bulk_create(plans)
    changes = {"planned": [str(row.planned - left), str(row.planned)]}
    note = _("%(count)d instalments generated") % {"count": len(plans)}
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes, note=note)
    return plans
