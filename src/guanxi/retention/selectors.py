"""Reads of churn alerts and scores, each through the scope gate: the churn inbox with its filters, one alert,
a customer's open alert (the 360 page's warning), the risk score of a page of customers, the care rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core.permissions import has_perm
from guanxi.customers.warnings import CustomerWarning
from guanxi.org.models import User

from .models import OPEN_STATUSES, AlertStatus, CareRule, ChurnAlert, RiskModel, RiskScore, Rule
from .risk import factor_text

if TYPE_CHECKING:
    from guanxi.customers.models import Customer

FILTERS = ("status", "rule", "owner")


def alert_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[ChurnAlert]:
    """The churn inbox: open alerts first by default, newest first; by status ("open" for both open ones),
    a rule that fired, or the customer's owner."""
    rows = ChurnAlert.objects.visible_to(actor).select_related("customer__owner")
    filters = filters or {}
    status = filters.get("status") or ""
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status in AlertStatus.values:
        rows = rows.filter(status=status)
    if filters.get("rule") in Rule.values:
        rows = (
            rows.filter(reasons__contains=[{"rule": filters["rule"]}])
            if _json_contains()
            else rows.filter(reasons__icontains=f'"rule": "{filters["rule"]}"')
        )
    if filters.get("owner"):
        rows = rows.filter(owner_id=filters["owner"])
    return rows.order_by("-raised_at", "-pk")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def open_alert_of(*, actor: User, customer_id: int) -> ChurnAlert | None:
    return ChurnAlert.objects.visible_to(actor).filter(customer_id=customer_id, status__in=OPEN_STATUSES).first()


def alerts_of(*, actor: User, customer_id: int) -> list[ChurnAlert]:
    return list(ChurnAlert.objects.visible_to(actor).filter(customer_id=customer_id).order_by("-raised_at", "-pk")[:20])


def open_alert_warnings(customer_ids: list[int], actor: object) -> dict[int, CustomerWarning]:
    """The 360 page's banner: the customer has an open churn alert (the link for those who may see alerts)."""
    rows = ChurnAlert.objects.filter(customer_id__in=customer_ids, status__in=OPEN_STATUSES).values_list(
        "customer_id", "pk", "status"
    )
    may_open = has_perm(actor, "churn.view")
    found = {}
    for customer_id, pk, status in rows:
        message = (
            _("This customer may be churning: a churn alert is open.")
            if status == AlertStatus.WARNED
            else _("This customer is being retained: a churn alert is open.")
        )
        found[customer_id] = CustomerWarning(
            "churn_alert", 1, message, reverse("retention:detail", args=[pk]) if may_open else ""
        )
    return found


def risk_values(customers: list[Customer]) -> dict[int, Any]:
    """The customers API's ``churn_risk`` and the list's column: probability and the factors in words."""
    return {
        row.customer_id: {
            "probability": round(row.probability, 3),
            "factors": [factor_text(factor) for factor in row.factors],
            "scored_at": row.scored_at.isoformat(),
        }
        for row in RiskScore.objects.filter(customer_id__in=[customer.pk for customer in customers])
    }


def risk_display(value: Any) -> str:
    return f"{round(value['probability'] * 100)}%"


RISK_ORDERING = (F("churn_risk__probability").desc(nulls_last=True), "pk")


def risk_of(customer_id: int) -> RiskScore | None:
    return RiskScore.objects.filter(customer_id=customer_id).first()


def model_of(unit_id: int | None) -> RiskModel | None:
    return RiskModel.objects.filter(business_unit_id=unit_id).first() if unit_id else None


def care_rules(*, actor: User, unit_id: int | None) -> QuerySet[CareRule]:
    return CareRule.objects.filter(business_unit_id=unit_id).order_by("kind", "pk")
