"""The churn rules (SPEC §10.1) as the unit's parameters, and their evaluation for a batch of won customers
as of a moment: a few set-based queries a batch, whatever the number of customers."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.bulk import among
from guanxi.core.config.parameters import parameter_value, register_parameter
from guanxi.sales.orders.models import DEAL_STATUSES, Order
from guanxi.service.models import COMPLAINT, OPEN_STATUSES, Ticket

from .models import Rule

FEN = Decimal("0.01")


def register() -> None:
    """The parameters beyond the two core already declares (no order for X months, complaint open D days)."""
    register_parameter(
        "churn.amount_drop_percent",
        _("Warn when a won customer's order amount falls by more than (%)"),
        "int", 50, min=1, max=100, group="churn",
    )  # fmt: skip
    register_parameter(
        "churn.amount_drop_months",
        _("…comparing the last months with the months before (months)"),
        "int", 3, min=1, max=24, group="churn",
    )  # fmt: skip
    register_parameter(
        "churn.no_followup_days",
        _("Warn when a won customer has had no follow-up for (days)"),
        "int", 60, min=1, max=3650, group="churn",
    )  # fmt: skip


PARAMETERS = {
    "no_order_months": "churn.no_order_months",
    "drop_percent": "churn.amount_drop_percent",
    "drop_months": "churn.amount_drop_months",
    "complaint_days": "churn.complaint_open_days",
    "no_followup_days": "churn.no_followup_days",
}


@dataclass(frozen=True)
class Params:
    no_order_months: int = 6
    drop_percent: int = 50
    drop_months: int = 3
    complaint_days: int = 15
    no_followup_days: int = 60


def unit_params(unit_id: int | None) -> Params:
    return Params(**{name: parameter_value(code, unit=unit_id) for name, code in PARAMETERS.items()})


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter: 31 August − 6 → 28/29 Feb)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _days(today: date, moment: datetime | None, zone: tzinfo) -> int:
    return (today - moment.astimezone(zone).date()).days if moment else 0


class Won(Protocol):
    """What the rules read of a won customer: a model instance or a row of ``values_list(..., named=True)``."""

    @property
    def pk(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_order_at(self) -> datetime | None: ...
    @property
    def last_followup_at(self) -> datetime | None: ...


def evaluate(rows: Sequence[Won], at: datetime, params: Params) -> dict[int, list[dict[str, Any]]]:
    """Every rule that fires for each of these won customers as of ``at``, with its figures; customers for
    whom none fires are left out. Three queries for the batch."""
    # timezone.localdate(moment), with the zone looked up once: per row, the lookup cost more than the rules
    zone = timezone.get_current_timezone()
    today = timezone.localdate(at, zone)
    fired: dict[int, list[dict[str, Any]]] = {}
    batch = among([row.pk for row in rows])  # a filter on these customers
    no_order_since = months_before(today, params.no_order_months)
    followup_limit = today - timedelta(days=params.no_followup_days)
    for row in rows:
        last_order = row.last_order_at or row.created_at
        if last_order.astimezone(zone).date() <= no_order_since:
            fired.setdefault(row.pk, []).append(
                {"rule": Rule.NO_ORDER, "days": _days(today, last_order, zone),
                 "last": row.last_order_at.astimezone(zone).date().isoformat() if row.last_order_at else None}
            )  # fmt: skip
        last_contact = row.last_followup_at or row.created_at
        if last_contact.astimezone(zone).date() <= followup_limit:
            fired.setdefault(row.pk, []).append(
                {"rule": Rule.NO_FOLLOWUP, "days": _days(today, last_contact, zone),
                 "last": row.last_followup_at.astimezone(zone).date().isoformat() if row.last_followup_at else None}
            )  # fmt: skip
    # order amount: the last N months against the N before
    split = months_before(today, params.drop_months)
    start = months_before(today, 2 * params.drop_months)
    amounts = (
        Order.objects.filter(
            customer_id__in=batch, status__in=DEAL_STATUSES, ordered_on__gt=start, ordered_on__lte=today
        )
        .values("customer_id")
        .annotate(
            recent=Sum("total", filter=Q(ordered_on__gt=split)),
            before=Sum("total", filter=Q(ordered_on__lte=split)),
        )
    )
    for row in amounts:
        before = (row["before"] or Decimal(0)).quantize(FEN)
        recent = (row["recent"] or Decimal(0)).quantize(FEN)
        if before > 0:
            drop = (before - recent) * 100 / before
            if drop > params.drop_percent:
                fired.setdefault(row["customer_id"], []).append(
                    {"rule": Rule.AMOUNT_DROP, "before": str(before), "recent": str(recent),
                     "percent": int(drop), "months": params.drop_months}
                )  # fmt: skip
    # complaints open longer than D days
    limit = at - timedelta(days=params.complaint_days)
    complaints = (
        Ticket.objects.filter(customer_id__in=batch, type=COMPLAINT, status__in=OPEN_STATUSES, created_at__lte=limit)
        .values("customer_id")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
    )
    for row in complaints:
        fired.setdefault(row["customer_id"], []).append(
            {"rule": Rule.COMPLAINT_OPEN, "count": row["count"], "days": _days(today, row["oldest"], zone)}
        )
    return fired
