"""Churn analysis (SPEC §12.4): the churn alerts raised in the period by state, owner or reason; how many were
retained (recovered), how many were lost, and the recovery rate."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.retention.models import OPEN_STATUSES, REASON_DICTIONARY, AlertStatus, ChurnAlert

from ..framework import Dimension, Measure, Report, rate, register_report
from . import labels


def _kept(values: Mapping[str, Any]) -> Decimal | None:
    """Of the alerts decided (kept or lost), the share kept."""
    decided = (values.get("recovered") or 0) + (values.get("lost") or 0)
    return rate("recovered", "decided")({**values, "decided": decided})


CHURN = Report(
    name="churn",
    title=_("Churn analysis"),
    description=_(
        "Churn alerts raised in the period, by state, the customer's owner or the reason a customer was lost: how "
        "many are still open, how many customers were kept and how many were lost."
    ),
    model=ChurnAlert,
    module="churn",
    period_field="raised_at",
    default_period="year",
    dimensions=(
        Dimension("status", _("State"), "status", labels.choices(AlertStatus)),
        Dimension("owner", _("Owner"), "customer__owner", labels.people),
        Dimension("reason", _("Churn reason"), "lost_reason", labels.dictionary(REASON_DICTIONARY)),
        Dimension("day", _("Day"), day=True),
    ),
    measures=(
        Measure("count", _("Alerts"), Count("pk")),
        Measure("open", _("Still open"), Count("pk", filter=Q(status__in=OPEN_STATUSES))),
        Measure("recovered", _("Kept"), Count("pk", filter=Q(status=AlertStatus.RECOVERED))),
        Measure("lost", pgettext_lazy("churn alert", "Lost"), Count("pk", filter=Q(status=AlertStatus.LOST))),
        Measure("recovery", _("Kept of those decided"), kind="percent", derive=_kept),
    ),
    group="customers",
    chart="bar",
    chart_measures=("recovered", "lost"),
    order=55,
    record_related=("customer",),
)


def register() -> None:
    register_report(CHURN)
