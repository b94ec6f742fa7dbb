"""Reads of follow-ups and plans, always through the scope gate (``visible_to``), with fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from guanxi.core.config.parameters import parameter_value
from guanxi.core.permissions import has_perm
from guanxi.core.scope import Scope, get_visible_or_404
from guanxi.customers.models import Customer, Level, Lifecycle
from guanxi.org.models import User

from .models import FollowUp, FollowUpAttachment, FollowUpComment, Plan

LEVELS = [level.value for level in Level]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


# --- follow-ups ---------------------------------------------------------------------------------------


def followup_for_detail(*, actor: User, pk: int) -> FollowUp:
    from django.http import Http404

    rows = (
        followup_visible_rows(actor=actor)
        .select_related("customer", "contact", "owner")
        .prefetch_related("attachments", Prefetch("comments", FollowUpComment.objects.select_related("author")))
    )
    try:
        return rows.get(pk=pk)
    except FollowUp.DoesNotExist:
        raise Http404 from None


def _timeline_rows(rows: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    return (
        rows.select_related("owner", "contact")
        .prefetch_related("attachments", Prefetch("comments", FollowUpComment.objects.select_related("author")))
        .order_by("-occurred_at", "-pk")
    )


def followups_of_customer(*, actor: User, customer: Customer) -> QuerySet[FollowUp]:
    """The 360 timeline, newest first. The customer came through the customers gate: whoever may see it and
    holds ``activities.view`` sees its whole history, also what former owners recorded (SPEC §3.2)."""
    if not has_perm(actor, "activities.view"):
        return FollowUp.objects.none()
    return _timeline_rows(FollowUp.objects.filter(customer=customer))


def followups_of_related(*, actor: User, related: Any) -> QuerySet[FollowUp]:
    """Follow-ups of a record (an opportunity's, a lead's tab); the caller fetched it through its gate."""
    from .services import related_filter

    if not has_perm(actor, "activities.view"):
        return FollowUp.objects.none()
    return _timeline_rows(FollowUp.objects.filter(related_filter(related)))


def followup_list(*, actor: User, owner: User | None = None, customer: Customer | None = None) -> QuerySet[FollowUp]:
    rows = FollowUp.objects.visible_to(actor)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if customer is not None:
        rows = rows.filter(customer=customer)
    return rows.select_related("owner", "customer").order_by("-occurred_at", "-pk")


# --- plans --------------------------------------------------------------------------------------------


def plan_for_detail(*, actor: User, pk: int) -> Plan:
    rows = Plan.objects.select_related("customer", "contact", "owner", "followup")
    return get_visible_or_404(rows, actor, pk=pk)


def plans_of_customer(*, actor: User, customer: Customer) -> QuerySet[Plan]:
    """A customer's plans for its 360 page: open first by due time, then the latest closed ones."""
    if not has_perm(actor, "activities.view"):
        return Plan.objects.none()
    return Plan.objects.filter(customer=customer).select_related("owner").order_by("-status", "due_at")


def manages_others(actor: User) -> bool:
    """Does the actor's scope of activities reach beyond their own records (a manager's team agenda)?"""
    from guanxi.core.permissions import grants_of

    return grants_of(actor).scope("activities") not in (None, Scope.OWN)


@dataclass
class Agenda:
    day: date
    mine: QuerySet[Plan]
    team: QuerySet[Plan] | None = None
    done_today: int = 0
    team_counts: list[dict[str, Any]] = field(default_factory=list)


def agenda(*, actor: User, day: date, team: bool = False) -> Agenda:
    """Today's and overdue open plans (SPEC §4.2), the oldest first: the actor's own, and for managers
    their scope's others, with per-person counts of the team. The views page through the rows."""
    start, end = day_bounds(day)
    if not has_perm(actor, "activities.view"):
        return Agenda(day=day, mine=Plan.objects.none())
    open_until_today = Plan.objects.filter(status=Plan.Status.OPEN, starts_at__lt=end)
    result = Agenda(
        day=day,
        # By start (= due, unless windowed): the order of the index, so a page needs no sort of thousands.
        mine=open_until_today.filter(owner=actor).select_related("customer", "owner").order_by("starts_at", "pk"),
        done_today=Plan.objects.filter(
            owner=actor, status=Plan.Status.DONE, completed_at__gte=start, completed_at__lt=end
        ).count(),
    )
    if team and manages_others(actor):
        others = Plan.objects.visible_to(actor).filter(status=Plan.Status.OPEN, starts_at__lt=end).exclude(owner=actor)
        result.team = others.select_related("customer", "owner").order_by("starts_at", "pk")
        result.team_counts = team_counts(actor=actor, end=end, at=timezone.now())
    return result


@dataclass(frozen=True)
class CalendarItem:
    """A plan as the calendar shows it: a few columns, no model instance (a month can hold a thousand)."""

    pk: int
    subject: str
    starts_at: datetime
    due_at: datetime
    status: str
    customer: str | None

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:plan", args=[self.pk])

    @property
    def shown_subject(self) -> str:
        from .plan_templates import step_text_shown

        return step_text_shown(self.subject)


TEAM_COUNT_CAP = 1000
LONGEST_WINDOW = timedelta(days=62)


def open_counts(*, owners: list[int], end: datetime, at: datetime) -> dict[int, tuple[int, int, int]]:
    """Per owner: (open plans starting before ``end``, of those due before ``end``, of those overdue at
    ``at``), each counted up to TEAM_COUNT_CAP — one index-only scan of at most that many rows per person,
    however far behind someone is (PostgreSQL's LATERAL; SQLite groups, uncapped)."""
    if not owners:
        return {}
    if connection.vendor != "postgresql":
        rows = (
            Plan.objects.filter(owner_id__in=owners, status=Plan.Status.OPEN, starts_at__lt=end)
            .values_list("owner")
            .annotate(
                total=Count("pk"), due=Count("pk", filter=Q(due_at__lt=end)), late=Count("pk", filter=Q(due_at__lt=at))
            )
            .order_by()
        )
        return {owner: (total, due, late) for owner, total, due, late in rows}
    sql = f"""
        SELECT u.id, c.total, c.due, c.late
        FROM {User._meta.db_table} u CROSS JOIN LATERAL (
            SELECT count(*) AS total, count(*) FILTER (WHERE x.due_at < %s) AS due,
                   count(*) FILTER (WHERE x.due_at < %s) AS late
            FROM (SELECT p.due_at FROM {Plan._meta.db_table} p WHERE p.owner_id = u.id AND p.status = 'open'
                  AND p.deleted_at IS NULL AND p.starts_at < %s LIMIT %s) x
        ) c
        WHERE u.id = ANY(%s) AND c.total > 0
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, at, end, TEAM_COUNT_CAP, owners])
        return {owner: (total, due, late) for owner, total, due, late in cursor.fetchall()}


def team_counts(*, actor: User, end: datetime, at: datetime) -> list[dict[str, Any]]:
    """Per colleague of the actor's scope: open plans due by ``end`` and how many are overdue at ``at``
    (each up to TEAM_COUNT_CAP, shown "1000+")."""
    people = list(
        people_in_scope(actor=actor)
        .exclude(pk=actor.pk)
        .order_by("display_name")
        .values_list("pk", "display_name")[:500]
    )
    counts = open_counts(owners=[pk for pk, _name in people], end=end, at=at)
    return [
        {"owner": pk, "owner__display_name": name, "total": counts[pk][0], "late": counts[pk][2],
         "capped": counts[pk][0] >= TEAM_COUNT_CAP}
        for pk, name in people
        if pk in counts
    ]  # fmt: skip


def calendar_plans(
    *, actor: User, start: datetime, end: datetime, owner: User | None = None, with_done: bool = True
) -> QuerySet[Plan]:
    """Plans shown in [start, end): open and done ones (cancelled ones are gone), the actor's own unless
    another visible ``owner`` is asked for; a windowed plan shows from its start until it is due."""
    rows = Plan.objects.visible_to(actor).filter(
        owner=owner or actor,
        # A lower bound on the start lets the (owner, starts_at) index skip the years before; no window of a
        # plan is longer than this.
        starts_at__gte=start - LONGEST_WINDOW,
        starts_at__lt=end,
        due_at__gte=start,
    )
    statuses = [Plan.Status.OPEN, Plan.Status.DONE] if with_done else [Plan.Status.OPEN]
    return rows.filter(status__in=statuses).order_by("starts_at", "pk")


def calendar_items(
    *, actor: User, start: datetime, end: datetime, owner: User | None = None, limit: int = 1500
) -> list[CalendarItem]:
    rows = calendar_plans(actor=actor, start=start, end=end, owner=owner).values_list(
        "pk", "subject", "starts_at", "due_at", "status", "customer__name"
    )
    return [CalendarItem(*row) for row in rows[:limit]]


# --- levels and cadence (SPEC §4.4) -------------------------------------------------------------------


def level_interval(level: str, *, unit: Any) -> timedelta | None:
    if level not in LEVELS:
        return None
    return timedelta(days=parameter_value(f"cadence.{level.lower()}_days", unit=unit))


def overdue_for_level_filter(*, units: list[int], at: datetime) -> Q:
    """Customers whose last follow-up (or, never followed up, their registration) is older than their
    level's interval in their unit."""
    condition = Q(pk__in=[])
    for unit in units:
        for level in LEVELS:
            interval = level_interval(level, unit=unit)
            assert interval is not None
            limit = at - interval
            condition |= Q(business_unit_id=unit, level=level) & (
                Q(last_followup_at__lt=limit) | Q(last_followup_at__isnull=True, created_at__lt=limit)
            )
    return condition


def customers_overdue_for_level(*, actor: User, at: datetime) -> QuerySet[Customer]:
    """The customers of the actor's scope that are overdue for their level (owned and being worked)."""
    rows = Customer.objects.visible_to(actor).filter(
        owner__isnull=False, status__in=[Lifecycle.POTENTIAL, Lifecycle.OPPORTUNITY, Lifecycle.WON]
    )
    units = _units_of(actor)
    if not units:
        return rows.none()
    return (
        rows.filter(overdue_for_level_filter(units=units, at=at))
        .select_related("owner")
        .order_by("last_followup_at", "pk")
    )


def _units_of(actor: User) -> list[int]:
    from guanxi.core.permissions import grants_of
    from guanxi.org.models import BusinessUnit

    if grants_of(actor).scope("customers") == Scope.ALL:
        return list(BusinessUnit.objects.order_by("pk").values_list("pk", flat=True)[:100])
    return [actor.business_unit_id] if actor.business_unit_id else []


def is_overdue_for_level(customer: Customer, *, at: datetime) -> bool:
    interval = level_interval(customer.level, unit=customer.business_unit_id)
    if interval is None:
        return False
    last = customer.last_followup_at or customer.created_at
    return last < at - interval


def people_in_scope(*, actor: User) -> QuerySet[User]:
    """Active colleagues whose plans the actor may see (and plan for, with ``activities.assign``): the same
    widths as the scope gate's, for pickers and the team agenda."""
    from guanxi.core.permissions import grants_of

    people = User.objects.filter(status=User.Status.ACTIVE).select_related("department")
    scope = grants_of(actor).scope("activities")
    department = actor.department
    if scope is None or scope == Scope.OWN:
        return people.filter(pk=actor.pk)
    if scope == Scope.ALL:
        return people
    if scope == Scope.TEAM:
        return people.filter(Q(pk=actor.pk) | Q(teams__members=actor)).distinct()
    if department is None:
        return people.filter(pk=actor.pk)
    if scope == Scope.DEPARTMENT:
        return people.filter(department=department)
    if scope == Scope.DEPARTMENT_TREE:
        return people.filter(department__path__startswith=department.path)
    return people.filter(department__business_unit_id=department.business_unit_id)


def followup_visible_rows(*, actor: User) -> QuerySet[FollowUp]:
    """Follow-ups the actor may open: those of their scope, and the history of every customer they may
    open (the 360 timeline links to them; a pool customer's too, SPEC §3.2)."""
    if not has_perm(actor, "activities.view"):
        return FollowUp.objects.none()
    return FollowUp.objects.filter(
        Q(pk__in=FollowUp.objects.visible_to(actor).values("pk"))
        | Q(customer__in=Customer.objects.readable_by(actor).values("pk"))
    )


def daily_counts(*, actor: User, day: date) -> list[dict[str, Any]]:
    """Per salesperson of the actor's scope on ``day``: follow-ups recorded, plans done, plans still open
    that were due by the end of the day (the compliance report's bottom table)."""
    start, end = day_bounds(day)
    people = list(people_in_scope(actor=actor).order_by("display_name")[:500])
    ids = [person.pk for person in people]
    followups = dict(
        FollowUp.objects.filter(owner_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    done = dict(
        Plan.objects.filter(owner_id__in=ids, status=Plan.Status.DONE, completed_at__gte=start, completed_at__lt=end)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    missed = {owner: due for owner, (_total, due, _late) in open_counts(owners=ids, end=end, at=end).items()}
    return [
        {"person": p, "followups": followups.get(p.pk, 0), "done": done.get(p.pk, 0), "open": missed.get(p.pk, 0)}
        for p in people
    ]


def next_plan_proposal(*, customer: Customer | None, at: datetime) -> datetime:
    """When to plan the next follow-up: within the customer's level interval, a week by default."""
    interval = level_interval(customer.level, unit=customer.business_unit_id) if customer else None
    proposal = at + (interval or timedelta(days=7))
    local = timezone.localtime(proposal).replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=10) if local.hour < 9 or local.hour > 18 else local


def attachment_for_download(*, actor: User, pk: int) -> FollowUpAttachment:
    """A file of a follow-up the actor may open; 404 otherwise, exactly like a missing one."""
    from django.http import Http404

    rows = FollowUpAttachment.objects.filter(followup__in=followup_visible_rows(actor=actor).values("pk"))
    try:
        return rows.filter(followup__deleted_at__isnull=True).get(pk=pk)
    except FollowUpAttachment.DoesNotExist:
        raise Http404 from None


# --- evidence for the conflict inbox (the pool registers it: pool.conflicts) -------------------------------


def conflict_followup_count(*, case: Any, customer: Customer, user: User | None) -> int | None:
    """How many follow-ups this side recorded on the customer (a side that has left has none to show)."""
    if user is None:
        return None
    return FollowUp.objects.filter(customer=customer, owner=user).count()


def conflict_open_plan_count(*, case: Any, customer: Customer, user: User | None) -> int | None:
    if user is None:
        return None
    return Plan.objects.filter(customer=customer, owner=user, status=Plan.Status.OPEN).count()


def register() -> None:
    """The menu entries of the agenda, the calendar, the daily check sheet and the plan templates."""
    from django.utils.translation import gettext_lazy

    from guanxi.core import navigation

    needs = navigation.needs
    for label, url, icon, order, code in [
        (gettext_lazy("Agenda"), "activities:agenda", "calendar-check", 12, "activities.view"),
        (gettext_lazy("Calendar"), "activities:calendar", "calendar-month", 13, "activities.view"),
        (gettext_lazy("Daily check sheet"), "activities:compliance", "checklist", 14, "activities.approve"),
    ]:
        navigation.register(navigation.NavItem(label, url, icon, order, needs(code)))
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Plan templates"), "activities:templates", "template", 940, needs("activities.configure"),
            gettext_lazy("Administration"),
        )
    )  # fmt: skip
