"""Reminders (SPEC §4.6): plans due soon, plans that became overdue, and each user's daily digest, sent
through the notification framework (in-app and e-mail as each user chose) by periodic sweeps.

A sweep claims what it reminds of in the database before notifying: a plan records the due time it was
reminded of (``reminded_due_at`` / ``reminded_overdue_at``; a reschedule re-arms it), a user's settings
the day their digest went out. Rows are locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite takes
the write lock at BEGIN), so two workers, or a sweep run again, never send the same reminder twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from guanxi.core.config.parameters import parameter_value
from guanxi.core.models import ParameterValue
from guanxi.core.notifications.services import notify
from guanxi.core.texts import Text
from guanxi.org.models import User

from .models import Plan, ReminderSettings

BATCH = 1000
# A plan that became overdue longer ago than this is not reminded of any more (the agenda and the digest
# list it): switching reminders on, or a sweep that did not run for days, never floods anyone.
OVERDUE_HORIZON = timedelta(days=1)


@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0
    digests: int = 0

    def __str__(self) -> str:
        return f"{self.due_soon} due-soon and {self.overdue} overdue reminders, {self.digests} digests"


def _leads() -> tuple[timedelta, dict[int, timedelta]]:
    """The reminder lead of each unit that set one, and the longest of all (with the default)."""
    default = timedelta(minutes=parameter_value("plans.reminder_minutes", unit=None))
    per_unit = {
        unit: timedelta(minutes=int(value))
        for unit, value in ParameterValue.objects.filter(code="plans.reminder_minutes").values_list(
            "business_unit_id", "value"
        )
    }
    return max([default, *per_unit.values()]), per_unit


def _claim(candidates: QuerySet[Plan], field: str, limit: int) -> list[int]:
    """Lock up to ``limit`` unclaimed plans (skipping those another worker holds) and mark them reminded of
    their current due time; returns their ids. Runs inside the caller's transaction."""
    unclaimed = Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("due_at")})
    ids = list(
        candidates.filter(unclaimed).select_for_update(skip_locked=True).order_by().values_list("pk", flat=True)[:limit]
    )
    if ids:
        Plan.objects.filter(pk__in=ids).update(**{field: F("due_at")})
    return ids


def plans_due_soon_sweep(*, at: datetime, batch: int = BATCH) -> int:
    """One notification per plan coming due within its owner's unit's lead time."""
    longest, per_unit = _leads()
    default = timedelta(minutes=parameter_value("plans.reminder_minutes", unit=None))
    base = Plan.objects.filter(status=Plan.Status.OPEN, due_at__gt=at, due_at__lte=at + longest)
    sent = 0
    while True:
        with transaction.atomic():
            if per_unit:  # a unit with a shorter lead: only its plans within that lead
                rows = base.filter(_within_lead(at, per_unit, default))
            else:
                rows = base if longest == default else base.filter(due_at__lte=at + default)
            ids = _claim(rows, "reminded_due_at", batch)
            if not ids:
                return sent
            for plan in Plan.objects.filter(pk__in=ids).select_related("owner", "customer"):
                local = timezone.localtime(plan.due_at)
                notify(
                    recipients=[plan.owner],
                    kind="activities.plan_due",
                    title=Text(
                        gettext_noop("Due at %(time)s: %(subject)s"), time=f"{local:%H:%M}", subject=_label(plan)
                    ),
                    body=plan.script,
                    obj=plan,
                )
                sent += 1


def _within_lead(at: datetime, per_unit: dict[int, timedelta], default: timedelta) -> Q:
    condition = Q(due_at__lte=at + default) & ~Q(owner__department__business_unit_id__in=list(per_unit))
    for unit, lead in per_unit.items():
        condition |= Q(owner__department__business_unit_id=unit, due_at__lte=at + lead)
    return condition


def _label(plan: Plan) -> str:
    return f"{plan.customer.name} · {plan.subject}" if plan.customer else plan.subject


def plans_overdue_sweep(*, at: datetime, batch: int = BATCH) -> int:
    """Plans that became overdue since the last sweep: one notification per owner per sweep, listing them."""
    rows = Plan.objects.filter(status=Plan.Status.OPEN, due_at__lte=at, due_at__gt=at - OVERDUE_HORIZON)
    reminded = 0
    while True:
        with transaction.atomic():
            ids = _claim(rows, "reminded_overdue_at", batch)
            if not ids:
                return reminded
            by_owner: dict[int, list[Plan]] = defaultdict(list)
            for plan in Plan.objects.filter(pk__in=ids).select_related("owner", "customer").order_by("due_at"):
                by_owner[plan.owner_id].append(plan)
            for plans in by_owner.values():
                _notify_overdue(plans)
                reminded += len(plans)


def _notify_overdue(plans: list[Plan]) -> None:
    owner = plans[0].owner
    if len(plans) == 1:
        notify(
            recipients=[owner],
            kind="activities.plan_overdue",
            title=Text(gettext_noop("Overdue: %(subject)s"), subject=_label(plans[0])),
            obj=plans[0],
        )
        return
    notify(
        recipients=[owner],
        kind="activities.plan_overdue",
        title=Text(gettext_noop("Overdue plans: %(count)d"), count=len(plans)),
        body="\n".join(_label(plan) for plan in plans[:20]),
        url=reverse("activities:agenda"),
    )


# --- the daily digest ---------------------------------------------------------------------------------


def _digest_time(settings_row: ReminderSettings, unit: int | None) -> time:
    if settings_row.digest_time is not None:
        return settings_row.digest_time
    return time(parameter_value("plans.digest_hour", unit=unit), 0)


def digests_sweep(*, at: datetime) -> int:
    """Each user with open plans for today gets, once a day at their chosen time, the list of them."""
    local = timezone.localtime(at)
    today = local.date()
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    owners = set(
        Plan.objects.filter(status=Plan.Status.OPEN, starts_at__lt=end)
        .order_by()
        .values_list("owner_id", flat=True)
        .distinct()
    )
    if not owners:
        return 0
    ReminderSettings.objects.bulk_create(
        [ReminderSettings(user_id=owner) for owner in owners], ignore_conflicts=True, batch_size=1000
    )
    waiting = (
        ReminderSettings.objects.filter(user_id__in=owners, digest_enabled=True, user__status=User.Status.ACTIVE)
        .filter(Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today))
        .select_related("user__department")
    )
    sent = 0
    for row in waiting:
        unit = row.user.department.business_unit_id if row.user.department else None
        if local.time() < _digest_time(row, unit):
            continue
        with transaction.atomic():
            claimed = (
                ReminderSettings.objects.filter(pk=row.pk)
                .filter(Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=today))
                .update(digest_sent_on=today)
            )
            if claimed:
                _send_digest(row.user, end, at)
                sent += 1
    return sent


def _send_digest(user: User, end: datetime, at: datetime) -> None:
    plans = list(
        Plan.objects.filter(owner=user, status=Plan.Status.OPEN, starts_at__lt=end)
        .select_related("customer")
        .order_by("due_at", "pk")[:50]
    )
    overdue = sum(1 for plan in plans if plan.due_at < at)
    lines: Iterable[str] = (
        f"{timezone.localtime(plan.due_at):%m-%d %H:%M}  {_label(plan)}" + (" ⚠" if plan.due_at < at else "")
        for plan in plans
    )
    notify(
        recipients=[user],
        kind="activities.digest",
        title=Text(
            gettext_noop("Your plans today: %(count)d (%(overdue)d overdue)"), count=len(plans), overdue=overdue
        ),
        body="\n".join(lines),
        url=reverse("activities:agenda"),
    )


def reminders_sweep(*, at: datetime) -> SweepResult:
    return SweepResult(
        due_soon=plans_due_soon_sweep(at=at), overdue=plans_overdue_sweep(at=at), digests=digests_sweep(at=at)
    )
