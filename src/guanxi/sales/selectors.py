"""Reads of pipelines and opportunities, all starting from ``visible_to(actor)``: the board, the list, the
detail page's stage history, the forecast and the competitors' record (SPEC §6.3–6.6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import get_visible_or_404
from guanxi.org.models import User

from .models import Competitor, Opportunity, OpportunityCompetitor, Pipeline, Stage, StageChange, Status

ZERO = Decimal("0.00")
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=2)
WEIGHTED = ExpressionWrapper(F("amount") * F("probability") / Value(Decimal(100)), output_field=MONEY)

COLUMN_SIZE = 20  # cards per board column page ("load more" fetches the next)

ORDERINGS = {
    "updated": ("-updated_at", "-pk"),
    "amount": ("-amount", "-pk"),
    "close": ("expected_close_date", "pk"),
    "probability": ("-probability", "-pk"),
    "created": ("-created_at", "-pk"),
    "name": ("name", "pk"),
}
ORDERING_LABELS = {
    "updated": _("Recently updated"),
    "amount": _("Largest amount"),
    "close": _("Closing soonest"),
    "probability": _("Most likely"),
    "created": _("Newest"),
    "name": _("Name"),
}

# A report's drill-down (analytics) opens the list with these too: the days in company time.
REPORT_FILTERS = ("created_from", "created_to", "closed_from", "closed_to", "source", "loss_reason", "competitor")
FILTERS = [
    "q",
    "pipeline",
    "stage",
    "status",
    "owner",
    "close_from",
    "close_to",
    "amount_min",
    "scene",
    *REPORT_FILTERS,
]
CLOSED = "closed"  # the status filter's "won or lost"


# --- pipelines ----------------------------------------------------------------------------------------


def pipelines_of_unit(*, actor: User) -> QuerySet[Pipeline]:
    """The pipelines of the actor's business unit and those shared by every unit, active or not: what the
    actor works with (an all-units administrator edits every unit's through the gate)."""
    unit = actor.business_unit_id
    rows = Pipeline.objects.visible_to(actor)
    if not actor.is_superuser or unit is not None:
        rows = rows.filter(Q(business_unit__isnull=True) | Q(business_unit_id=unit))
    return rows


def pipelines_visible(*, actor: User) -> QuerySet[Pipeline]:
    """The active pipelines of the actor's business unit (and those shared by every unit); the unit's own
    default before the group's."""
    rows = pipelines_of_unit(actor=actor).filter(is_active=True)
    return rows.order_by("-is_default", F("business_unit").asc(nulls_last=True), "sort_order", "pk")


def pipeline_for(*, actor: User, pk: Any = None) -> Pipeline | None:
    """The pipeline asked for, else the one the actor's latest opportunity is in (a car dealer's team works the
    dealership pipeline, whichever is the group's default), else the first visible."""
    rows = pipelines_visible(actor=actor)
    if pk:
        chosen = rows.filter(pk=pk).first() if str(pk).isdigit() else None
        if chosen:
            return chosen
    latest = Opportunity.objects.visible_to(actor).order_by("-pk").values("pipeline_id")[:1]
    return rows.filter(pk__in=latest).first() or rows.first()


def open_stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order", "pk"))


# --- filtering ----------------------------------------------------------------------------------------


def opportunities_filtered(*, actor: User, filters: dict[str, Any]) -> QuerySet[Opportunity]:
    rows: QuerySet[Opportunity] = Opportunity.objects.visible_to(actor)
    query = (filters.get("q") or "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(number=query) | Q(customer__name__icontains=query))
    if filters.get("pipeline"):
        rows = rows.filter(pipeline=filters["pipeline"])
    if filters.get("stage"):
        rows = rows.filter(stage=filters["stage"])
    if filters.get("status") == CLOSED:
        rows = rows.filter(status__in=[Status.WON, Status.LOST])
    elif filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("owner"):
        rows = rows.filter(owner=filters["owner"])
    if filters.get("scene") == "mine":
        rows = rows.filter(owner=actor)
    elif filters.get("scene") == "collaborating":
        rows = rows.filter(collaborations__user=actor)
    elif filters.get("scene") == "pending":
        rows = rows.filter(pending_stage__isnull=False, status=Status.OPEN)
    if filters.get("close_from"):
        rows = rows.filter(expected_close_date__gte=filters["close_from"])
    if filters.get("close_to"):
        rows = rows.filter(expected_close_date__lte=filters["close_to"])
    if filters.get("amount_min") is not None:
        rows = rows.filter(amount__gte=filters["amount_min"])
    for name, path in (("created", "created_at"), ("closed", "closed_at")):
        if filters.get(f"{name}_from"):
            rows = rows.filter(**{f"{path}__gte": _day_start(filters[f"{name}_from"])})
        if filters.get(f"{name}_to"):
            rows = rows.filter(**{f"{path}__lt": _day_start(filters[f"{name}_to"] + timedelta(days=1))})
    for name, path in (("source", "source"), ("loss_reason", "loss_reason"), ("competitor", "winning_competitor")):
        if filters.get(name):
            rows = rows.filter(**{path: filters[name]})
    return rows


def _day_start(day: date) -> datetime:
    """Midnight of a day in company time (TIME_ZONE), as the reports bucket days."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def opportunity_list(*, actor: User, filters: dict[str, Any], ordering: str = "") -> QuerySet[Opportunity]:
    rows = opportunities_filtered(actor=actor, filters=filters)
    return rows.select_related("customer", "owner", "stage", "pipeline").order_by(
        *ORDERINGS.get(ordering, ORDERINGS["updated"])
    )


# --- the board ----------------------------------------------------------------------------------------


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO
    cards: list[Opportunity] = field(default_factory=list)
    has_more: bool = False
    page: int = 1


def board(*, actor: User, pipeline: Pipeline, filters: dict[str, Any], cards: bool = True) -> list[Column]:
    """The kanban (SPEC §6.3): one column per open stage with its count, amount and weighted amount, and
    the first cards (``cards=False``: the totals only). A fixed number of queries however many opportunities
    there are: one for the totals, two per column for its first page."""
    stages = open_stages(pipeline)
    # An open stage holds exactly the open opportunities in it (closing moves them to the won or lost stage),
    # so the stages alone select the board's rows, and the indexes on (stage, owner) answer.
    rows = opportunities_filtered(actor=actor, filters={**filters, "pipeline": None, "stage": None})
    rows = rows.filter(stage__in=[stage.pk for stage in stages])
    totals = {
        row["stage_id"]: row
        for row in rows.order_by()
        .values("stage_id")
        .annotate(count=Count("pk"), sum_amount=Sum("amount"), sum_weighted=Sum(WEIGHTED))
    }
    columns = []
    for stage in stages:
        total = totals.get(stage.pk, {})
        column = Column(
            stage,
            count=total.get("count", 0),
            amount=_money(total.get("sum_amount")),
            weighted=_money(total.get("sum_weighted")),
        )
        if cards and column.count:
            column.cards, column.has_more = column_cards(rows=rows, stage=stage, page=1)
        columns.append(column)
    return columns


def column_cards(*, rows: QuerySet[Opportunity], stage: Stage, page: int) -> tuple[list[Opportunity], bool]:
    """One page of a column's cards, newest activity first; and whether more follow. Ids first (from the
    index), then those few rows in full."""
    start = (max(page, 1) - 1) * COLUMN_SIZE
    ids = list(
        rows.filter(stage=stage)
        .order_by("-updated_at", "-pk")
        .values_list("pk", flat=True)[start : start + COLUMN_SIZE + 1]
    )
    if not ids:
        return [], False
    found = {
        card.pk: card
        for card in Opportunity.objects.filter(pk__in=ids[:COLUMN_SIZE])
        .select_related("customer", "owner")
        .only(
            "pk",
            "name",
            "number",
            "amount",
            "probability",
            "expected_close_date",
            "stage_id",
            "updated_at",
            "pending_stage_id",
            "version",
            "customer__name",
            "owner__display_name",
            "owner__username",
        )
    }
    return [found[pk] for pk in ids[:COLUMN_SIZE] if pk in found], len(ids) > COLUMN_SIZE


def board_column(*, actor: User, pipeline: Pipeline, stage: Stage, filters: dict[str, Any], page: int) -> Column:
    rows = opportunities_filtered(actor=actor, filters={**filters, "pipeline": None, "stage": None})
    cards, more = column_cards(rows=rows, stage=stage, page=page)
    return Column(stage, cards=cards, has_more=more, page=page)


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- one opportunity ------------------------------------------------------------------------------------


def opportunity_for_detail(*, actor: User, pk: Any) -> Opportunity:
    rows = Opportunity.objects.select_related(
        "customer", "contact", "owner", "stage", "pipeline", "pending_stage", "pending_by", "winning_competitor"
    )
    return get_visible_or_404(rows, actor, pk=pk)


@dataclass
class Stay:
    change: StageChange
    duration: timedelta


HISTORY_LIMIT = 50


def stage_history(opportunity: Opportunity, *, limit: int = HISTORY_LIMIT) -> list[Stay]:
    """The latest stays in a stage, newest first, with how long each lasted (until now for the current one)."""
    changes = opportunity.stage_changes.select_related("to_stage", "from_stage", "by").order_by("-at", "-pk")
    return [Stay(change, change.duration) for change in changes[:limit]]


def time_in_stages(opportunity: Opportunity) -> list[tuple[Stage, timedelta]]:
    """Total time spent in each stage (several stays add up), in pipeline order; read as narrow rows, so an
    opportunity moved back and forth a thousand times still costs one small query."""
    now = timezone.now()
    spent: dict[int, timedelta] = {}
    for stage_id, entered, left in opportunity.stage_changes.values_list("to_stage_id", "at", "left_at"):
        spent[stage_id] = spent.get(stage_id, timedelta()) + ((left or now) - entered)
    stages = Stage.objects.in_bulk(list(spent))
    rows = [(stages[pk], duration) for pk, duration in spent.items() if pk in stages]
    return sorted(rows, key=lambda item: (item[0].sort_order, item[0].pk))


def customer_opportunities(*, actor: User, customer: Any) -> QuerySet[Opportunity]:
    """The 360° page's tab: the customer's opportunities the actor may see."""
    return (
        Opportunity.objects.visible_to(actor)
        .filter(customer=customer)
        .select_related("stage", "owner", "pipeline")
        .order_by("status", "-updated_at", "-pk")
    )


def customer_open_opportunities(actor: User, customer: Any) -> QuerySet[Opportunity]:
    """What a follow-up on the customer may be about: its open opportunities the actor may see."""
    return Opportunity.objects.visible_to(actor).filter(customer=customer, status=Status.OPEN).order_by("-pk")


# --- forecast (SPEC §6.5) ---------------------------------------------------------------------------------


@dataclass
class ForecastRow:
    key: Any
    label: str
    months: list[Decimal]
    total: Decimal
    count: int


@dataclass
class Forecast:
    months: list[date]
    by_owner: list[ForecastRow]
    by_department: list[ForecastRow]
    totals: list[Decimal]
    amount_total: Decimal
    weighted_total: Decimal
    undated: Decimal


def month_starts(first: date, count: int) -> list[date]:
    months, current = [], first.replace(day=1)
    for _index in range(count):
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def forecast(
    *, actor: User, months: int = 6, start: date | None = None, pipeline: Any = None, owner: Any = None
) -> Forecast:
    """Weighted amount (amount × probability) of the open opportunities the actor may see, by the month of
    their expected close date, by owner and by department. Overdue ones count in the first month."""
    first = (start or timezone.localdate()).replace(day=1)
    columns = month_starts(first, months)
    end = (columns[-1] + timedelta(days=32)).replace(day=1)
    rows = Opportunity.objects.visible_to(actor).filter(status=Status.OPEN)
    if pipeline:
        rows = rows.filter(pipeline=pipeline)
    if owner:
        rows = rows.filter(owner=owner)
    undated = _money(rows.filter(expected_close_date__isnull=True).order_by().aggregate(total=Sum(WEIGHTED))["total"])
    dated = rows.filter(expected_close_date__lt=end, expected_close_date__isnull=False).order_by()
    grouped = (
        dated.annotate(
            month=TruncMonth("expected_close_date"),
            department=F("owner__department_id"),
        )
        .values("owner_id", "department", "month")
        .annotate(
            sum_weighted=Coalesce(Sum(WEIGHTED), Value(ZERO), output_field=MONEY),
            sum_amount=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY),
            count=Count("pk"),
        )
    )
    index = {month: position for position, month in enumerate(columns)}
    owners: dict[Any, list[Any]] = {}
    departments: dict[Any, list[Any]] = {}
    totals = [ZERO] * months
    amount_total = weighted_total = ZERO
    for row in grouped:
        month = row["month"]
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        position = index.get(month, 0) if month >= first else 0  # overdue: due now
        weighted = _money(row["sum_weighted"])
        for key, bucket in ((row["owner_id"], owners), (row["department"], departments)):
            entry = bucket.setdefault(key, [[ZERO] * months, 0])
            entry[0][position] += weighted
            entry[1] += row["count"]
        totals[position] += weighted
        weighted_total += weighted
        amount_total += _money(row["sum_amount"])
    return Forecast(
        months=columns,
        by_owner=_labelled(owners, _owner_labels(owners)),
        by_department=_labelled(departments, _department_labels(departments)),
        totals=totals,
        amount_total=amount_total,
        weighted_total=weighted_total,
        undated=undated,
    )


def _labelled(bucket: dict[Any, list[Any]], labels: dict[Any, str]) -> list[ForecastRow]:
    rows = [
        ForecastRow(key, labels.get(key, "—"), values, sum(values, ZERO), count)
        for key, (values, count) in bucket.items()
    ]
    return sorted(rows, key=lambda row: -row.total)


def _owner_labels(bucket: dict[Any, Any]) -> dict[Any, str]:
    return {user.pk: str(user) for user in User.objects.filter(pk__in=[key for key in bucket if key])}


def _department_labels(bucket: dict[Any, Any]) -> dict[Any, str]:
    from guanxi.org.models import Department

    ids = [key for key in bucket if key]
    return {department.pk: str(department) for department in Department.objects.filter(pk__in=ids)}


# --- competitors (SPEC §6.6) ----------------------------------------------------------------------------


def competitors_visible(*, actor: User) -> QuerySet[Competitor]:
    rows = Competitor.objects.visible_to(actor)
    unit = actor.business_unit_id
    if unit is not None:
        rows = rows.filter(business_unit_id=unit)
    return rows.order_by("name", "pk")


def competitor_records(*, actor: User, competitors: list[Competitor]) -> dict[int, dict[str, int]]:
    """For each competitor: the opportunities (that the actor may see) we met them on, won against them,
    and lost — to them, and in all."""
    visible = Opportunity.objects.visible_to(actor).values("pk")
    links = OpportunityCompetitor.objects.filter(competitor__in=competitors, opportunity__in=visible)
    counts = links.values("competitor_id").annotate(
        met=Count("pk"),
        won=Count("pk", filter=Q(opportunity__status=Status.WON)),
        lost=Count("pk", filter=Q(opportunity__status=Status.LOST)),
        lost_to=Count("pk", filter=Q(opportunity__winning_competitor_id=F("competitor_id"))),
    )
    empty = {"met": 0, "won": 0, "lost": 0, "lost_to": 0}
    result = {competitor.pk: dict(empty) for competitor in competitors}
    for row in counts:
        result[row["competitor_id"]] = {name: row[name] for name in empty}
    return result


SEARCH_MIN_FRAGMENT = 3


def search_opportunities(*, actor: User, query: str, limit: int) -> list[Any]:
    """The global search box: opportunities by number, or by a name fragment of three characters or more (a
    trigram index finds those; two characters, the usual Chinese fragment of a customer's name, would scan every
    opportunity in scope, and the customers' own hits already answer them)."""
    from django.urls import reverse

    from guanxi.core.search import Hit

    query = query.strip()
    wanted = Q(number=query) | Q(name__contains=query) if len(query) >= SEARCH_MIN_FRAGMENT else Q(number=query)
    rows = Opportunity.objects.visible_to(actor).filter(wanted)
    rows = rows.select_related("customer", "stage").only(
        "pk", "name", "number", "customer__name", "stage__code", "stage__name"
    )
    return [
        Hit(
            row.name,
            f"{row.number} · {row.customer.name} · {row.stage.shown_name}",
            reverse("sales:opportunity", args=[row.pk]),
        )
        for row in rows.order_by("-updated_at", "-pk")[:limit]
    ]


def opportunity_activities(*, actor: User, opportunity: Opportunity) -> dict[str, Any]:
    """The detail page's follow-ups and open plans about this opportunity (the caller fetched it through
    the gate; the activities app decides whether the actor may read them)."""
    from guanxi.activities.selectors import followups_of_related
    from guanxi.activities.services import open_plans_of
    from guanxi.core.permissions import has_perm

    if not has_perm(actor, "activities.view"):
        return {"followups": [], "open_plans": [], "activities_shown": False}
    return {
        "followups": list(followups_of_related(actor=actor, related=opportunity)[:10]),
        "open_plans": list(open_plans_of(related=opportunity).select_related("owner").order_by("due_at", "pk")[:10]),
        "activities_shown": True,
    }


def opportunity_deals(*, actor: User, opportunity: Opportunity) -> dict[str, Any]:
    """The opportunity page's quotes, contracts and orders, each as far as the actor may see them."""
    from guanxi.core.permissions import has_perm

    from .contracts.models import Contract
    from .orders.models import Order
    from .quotes.models import Quote

    found: dict[str, Any] = {}
    for name, model, perm in (("quotes", Quote, "quotes.view"), ("contracts", Contract, "contracts.view"),
                              ("orders", Order, "orders.view")):  # fmt: skip
        if has_perm(actor, perm):
            rows = model.objects.visible_to(actor).filter(opportunity=opportunity)
            found[f"deal_{name}"] = list(rows.order_by("-updated_at", "-pk")[:10])
    found["deals_shown"] = bool(found)
    return found


def register() -> None:
    """The menu entries, the global search's provider and the open opportunities on a customer's page."""
    from guanxi.activities import related
    from guanxi.core import navigation, search

    items: list[tuple[Any, str, str, int, str, Any]] = [
        (_("Pipeline board"), "sales:board", "layout-kanban", 20, "opportunities.view", ""),
        (_("Opportunities"), "sales:list", "target-arrow", 21, "opportunities.view", ""),
        (_("Forecast"), "sales:forecast", "chart-line", 22, "opportunities.view", ""),
        (_("Competitors"), "sales:competitors", "swords", 23, "competitors.view", ""),
        (_("Quotes"), "sales:quotes", "file-invoice", 24, "quotes.view", ""),
        (_("Contracts"), "sales:contracts", "file-certificate", 26, "contracts.view", ""),
        (_("Orders"), "sales:orders", "shopping-cart", 27, "orders.view", ""),
        (_("Products"), "sales:products", "package", 25, "products.view", ""),
        (_("Pipelines"), "sales:pipelines", "git-branch", 984, "pipelines.view", _("Administration")),
    ]
    for label, url_name, icon, order, code, section in items:
        navigation.register(navigation.NavItem(label, url_name, icon, order, navigation.needs(code), section))
    search.register(search.Provider(_("Opportunities"), search_opportunities))
    related.register(customer_open_opportunities)


def may_decide_stage_move(*, actor: User, opportunity: Opportunity) -> bool:
    """Whether the page offers the actor the decision on the stage move waiting for approval."""
    from guanxi.workflows.selectors import may_decide
    from guanxi.workflows.services import pending_request_for

    from .services.stages import STAGE_MOVE

    if not opportunity.pending_stage_id:
        return False
    request = pending_request_for(record_type=STAGE_MOVE, obj=opportunity)
    return request is not None and may_decide(actor=actor, request=request)


def approvals_of(opportunity: Opportunity) -> list[Any]:
    """The opportunity's stage-move approvals, newest first (the page's history)."""
    from guanxi.workflows.selectors import history_of

    from .services.stages import STAGE_MOVE

    return list(history_of(record_type=STAGE_MOVE, object_id=opportunity.pk)[:20])
