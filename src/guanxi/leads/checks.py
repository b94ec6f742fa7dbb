"""The leads' row of the compliance report (SPEC §4.3, §5.4): an open lead has at least one follow-up a
month (seed: 每月至少一个一般行动)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from guanxi.activities.compliance import ROW_LIMIT, ComplianceRow
from guanxi.activities.models import FollowUp
from guanxi.core.config.parameters import parameter_value
from guanxi.org.models import User

from .models import OPEN_STATUSES, Lead


def followed_up_since(since: datetime) -> Exists:
    """The lead has a follow-up (related record = the lead) at or after ``since``: one indexed probe each."""
    return Exists(
        FollowUp.objects.filter(
            related_type=ContentType.objects.get_for_model(Lead), related_id=OuterRef("pk"), occurred_at__gte=since
        )
    )


def leads_without_followup(*, actor: User, day: date) -> QuerySet[Lead]:
    """Open leads, older than the interval, with no follow-up within it as of the end of ``day``."""
    days = parameter_value("leads.followup_days", unit=actor.business_unit_id)
    since = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(days=days)
    return (
        Lead.objects.visible_to(actor)
        .filter(status__in=OPEN_STATUSES, created_at__lt=since)
        .exclude(followed_up_since(since))
        .select_related("owner")
        .order_by("last_followup_at", "created_at", "pk")
    )


def lead_rows(*, actor: User, day: date) -> Iterator[ComplianceRow]:
    for lead in leads_without_followup(actor=actor, day=day)[: ROW_LIMIT + 1]:  # what the report shows
        last = lead.last_followup_at
        yield ComplianceRow(
            label=f"{lead} ({lead.number})",
            url=lead.get_absolute_url(),
            owner=lead.owner,
            detail=gettext("Last follow-up %(when)s") % {"when": f"{timezone.localtime(last):%Y-%m-%d}"}
            if last
            else gettext("Never followed up"),
            at=last or lead.created_at,
        )


def register() -> None:
    """The follow-up interval an open lead keeps, and its row in the compliance report."""
    from guanxi.activities.compliance import register_check
    from guanxi.core.config.parameters import register_parameter

    register_parameter(
        "leads.followup_days",
        gettext_lazy("An open lead is followed up at least every (days)"),
        "int",
        30,
        min=1,
        max=365,
        group="leads",
        help=gettext_lazy("Seed rule: every lead has at least one follow-up a month while it is open."),
    )
    register_check(
        "leads_without_followup",
        gettext_lazy("Open leads without a follow-up in the last month"),
        lead_rows,
        order=40,
        description=gettext_lazy("Every open lead is followed up at least once a month."),
    )
