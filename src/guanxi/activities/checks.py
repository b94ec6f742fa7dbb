"""Activities' own rows of the compliance report (SPEC §4.3) and its notification kinds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core.notifications.kinds import register_kind
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User

from .compliance import ROW_LIMIT, ComplianceRow, register_check


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def customers_without_open_plan(*, actor: User, day: date) -> Iterator[ComplianceRow]:
    """Owned, active customers (potential / opportunity / won) with no open plan: next_followup_at is
    kept at the earliest open plan, so this is one indexed condition."""
    rows = (
        Customer.objects.visible_to(actor)
        .filter(
            owner__isnull=False,
            next_followup_at__isnull=True,
            status__in=[Lifecycle.POTENTIAL, Lifecycle.OPPORTUNITY, Lifecycle.WON],
        )
        .select_related("owner")
        .order_by("pk")  # stops at the report's row limit; sorting a whole unit's customers would not
    )
    for customer in rows[: ROW_LIMIT + 1]:  # (no server-side cursor: one WITH HOLD would read every row)
        last = customer.last_followup_at
        yield ComplianceRow(
            label=customer.name,
            url=customer.get_absolute_url(),
            owner=customer.owner,
            detail=gettext("Last follow-up %(when)s") % {"when": f"{timezone.localtime(last):%Y-%m-%d}"}
            if last
            else gettext("Never followed up"),
            at=last,
        )


def plans_not_done_on_their_day(*, actor: User, day: date) -> Iterator[ComplianceRow]:
    """当天的活动计划必须当天执行完毕: plans due on ``day`` (or earlier) still open after that day."""
    from .models import Plan

    _, end = day_bounds(day)
    late = min(end, timezone.now())  # today's sheet lists what is late so far, not what is still to come
    rows = (
        Plan.objects.visible_to(actor)
        .filter(status=Plan.Status.OPEN, due_at__lt=late)
        .select_related("owner", "customer")
        .order_by("due_at", "pk")
    )
    for plan in rows[: ROW_LIMIT + 1]:
        yield ComplianceRow(
            label=f"{plan.customer.name if plan.customer else ''} · {plan.subject}".strip(" ·"),
            url=plan.get_absolute_url(),
            owner=plan.owner,
            detail=gettext("Due %(when)s") % {"when": f"{timezone.localtime(plan.due_at):%Y-%m-%d %H:%M}"},
            at=plan.due_at,
        )


def register() -> None:
    register_check(
        "customers_without_plan",
        _("Customers without an open plan"),
        customers_without_open_plan,
        order=10,
        description=_("Every customer being worked should have a next step planned."),
    )
    register_check(
        "plans_not_done",
        _("Plans not done on their day"),
        plans_not_done_on_their_day,
        order=30,
        description=_("A day's plans must be done that day."),
    )
    # Manager comments use core's "comment" kind, plans a manager makes for someone core's "assignment".
    register_kind("activities.plan_due", _("A plan is due soon"), default_in_app=True, default_email=False)
    register_kind("activities.plan_overdue", _("A plan is overdue"), default_in_app=True, default_email=True)
    register_kind("activities.digest", _("Daily digest of my plans"), default_in_app=False, default_email=True)
