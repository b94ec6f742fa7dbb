"""Reads of expense claims, each through the scope gate: lists, one claim, and what a customer or an
opportunity has cost (approved and paid claims; those waiting shown apart)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.org.models import User

from .models import CATEGORY_DICTIONARY, Expense, ExpenseLine, ExpenseStatus

SPENT = [ExpenseStatus.APPROVED, ExpenseStatus.PAID]


def expense_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Expense]:
    rows = Expense.objects.visible_to(actor).select_related("owner", "customer", "opportunity")
    for name in ("status", "customer", "opportunity", "owner"):
        value = (filters or {}).get(name)
        if value:
            rows = rows.filter(**{name: value})
    return rows.order_by("-updated_at", "-pk")


def to_pay(*, actor: User) -> QuerySet[Expense]:
    return expense_list(actor=actor, filters={"status": ExpenseStatus.APPROVED})


def cost_of(*, actor: User, customer_id: int | None = None, opportunity_id: int | None = None) -> dict[str, Any]:
    """What a customer or an opportunity cost: approved and paid claims' totals, by category, and the
    total still waiting for approval."""
    rows = Expense.objects.visible_to(actor)
    rows = rows.filter(customer_id=customer_id) if customer_id else rows.filter(opportunity_id=opportunity_id or 0)
    totals = rows.aggregate(
        spent=Sum("total", filter=Q(status__in=SPENT)),
        pending=Sum("total", filter=Q(status=ExpenseStatus.PENDING)),
        count=Count("pk"),
    )
    lines = ExpenseLine.objects.filter(expense__in=rows.filter(status__in=SPENT))
    labels = dictionary_labels(CATEGORY_DICTIONARY)
    by_category = [
        {"category": labels.get(row["category"], row["category"]), "amount": row["amount"]}
        for row in lines.values("category").annotate(amount=Sum("amount")).order_by("-amount")
    ]
    return {
        "spent": totals["spent"] or Decimal(0),
        "pending": totals["pending"] or Decimal(0),
        "count": totals["count"],
        "by_category": by_category,
        "claims": list(rows.select_related("owner").order_by("-updated_at")[:20]),
    }
