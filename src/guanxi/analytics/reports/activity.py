"""Activity (SPEC §12.7): follow-ups per salesperson and per day, plan completion, customers nobody has
followed up lately."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.activities.models import Channel, FollowUp, Plan, PlanKind
from guanxi.customers.models import Customer, Level, Lifecycle
from guanxi.org.models import User

from ..framework import Dimension, ExtraFilter, Measure, Report, company_zone, rate, ratio, register_report
from . import labels

FOLLOWUPS = Report(
    name="followups",
    title=_("Follow-ups"),
    description=_(
        "Follow-ups recorded in the period (by the day they happened, in company time): per salesperson, per day "
        "or per channel, the customers reached and the follow-ups per working day."
    ),
    model=FollowUp,
    module="activities",
    period_field="occurred_at",
    dimensions=(
        Dimension("owner", _("Salesperson"), "owner", labels.people),
        Dimension("day", _("Day"), day=True),
        Dimension("channel", _("Channel"), "channel", labels.choices(Channel)),
    ),
    measures=(
        Measure("count", _("Follow-ups"), Count("pk")),
        Measure("customers", _("Customers reached"), Count("customer", distinct=True)),
        Measure(
            "days", _("Days with follow-ups"), Count(TruncDate("occurred_at", tzinfo=company_zone()), distinct=True)
        ),
        Measure("per_day", _("Follow-ups per active day"), kind="decimal", derive=ratio("count", "days", "0.1")),
    ),
    group="activity",
    chart="bar",
    order=60,
    record_related=("customer", "owner"),
)


PLANS = Report(
    name="plans",
    title=_("Plan completion"),
    description=_("Plans due in the period: how many were done, cancelled or are still open, and the completion rate."),
    model=Plan,
    module="activities",
    period_field="due_at",
    dimensions=(
        Dimension("owner", _("Salesperson"), "owner", labels.people),
        Dimension("kind", _("Plan type"), "kind", labels.choices(PlanKind)),
        Dimension("origin", _("Origin"), "origin", labels.choices(Plan.Origin)),
        Dimension("day", _("Day"), day=True),
    ),
    measures=(
        Measure("count", _("Plans due"), Count("pk")),
        Measure("done", _("Done"), Count("pk", filter=Q(status=Plan.Status.DONE))),
        Measure("cancelled", _("Cancelled"), Count("pk", filter=Q(status=Plan.Status.CANCELLED))),
        Measure("open", _("Still open"), Count("pk", filter=Q(status=Plan.Status.OPEN))),
        Measure("completion", _("Completion rate"), kind="percent", derive=rate("done", "count")),
    ),
    group="activity",
    chart="bar",
    order=70,
    record_related=("customer", "owner"),
)


def _quiet_field(actor: User) -> forms.IntegerField:
    return forms.IntegerField(label=_("No follow-up for (days)"), min_value=1, max_value=3650, required=False)


def _quiet_since(rows: QuerySet[Any], days: Any) -> QuerySet[Any]:
    since = timezone.now() - timedelta(days=int(days))
    return rows.filter(Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=since))


def _owned(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.filter(owner__isnull=False)


QUIET_CUSTOMERS = Report(
    name="quiet_customers",
    title=_("Customers without follow-up"),
    description=_("Owned customers nobody has followed up for the given number of days (or ever)."),
    model=Customer,
    module="customers",
    period_field=None,
    default_period=None,
    dimensions=(
        Dimension("owner", _("Owner"), "owner", labels.people),
        Dimension("level", _("Level"), "level", labels.choices(Level)),
        Dimension("status", _("Lifecycle"), "status", labels.choices(Lifecycle)),
    ),
    measures=(Measure("count", _("Customers"), Count("pk")),),
    group="activity",
    chart="bar",
    base=_owned,
    extra_filters=(ExtraFilter("days", _quiet_field, _quiet_since, initial=lambda actor: 30),),
    order=80,
    record_related=("owner",),
)


def register() -> None:
    for report in (FOLLOWUPS, PLANS, QUIET_CUSTOMERS):
        register_report(report)
