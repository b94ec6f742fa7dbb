"""Dashboard cards (SPEC §12.8): personal, manager and executive cards, each a small read through the gate
that loads on its own (htmx) so one slow card never holds the page. Each user chooses and orders theirs;
the home page shows them through core's dashboard panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.activities.models import Plan
from guanxi.core.permissions import grants_of, has_perm
from guanxi.core.scope import Scope
from guanxi.customers.models import Customer
from guanxi.pool.models import ConflictCase
from guanxi.sales.models import Opportunity, Status
from guanxi.sales.selectors import WEIGHTED
from guanxi.service.models import OPEN_STATUSES, Ticket

from .framework import Filters, Period, company_today, day_start, default_period, report_get, run
from .models import DashboardLayout, TargetKind
from .targets import attainment

if TYPE_CHECKING:
    from guanxi.org.models import User

PERSONAL, MANAGER, EXECUTIVE = "personal", "manager", "executive"
AUDIENCES = {
    PERSONAL: pgettext_lazy("dashboard cards for", "Personal"),
    MANAGER: pgettext_lazy("dashboard cards for", "Manager"),
    EXECUTIVE: pgettext_lazy("dashboard cards for", "Executive"),
}


@dataclass(frozen=True)
class Card:
    code: str
    title: str | Promise
    audience: str
    data: Callable[[User], dict[str, Any]]
    permission: str
    link: Callable[[User], str] = lambda actor: ""

    @property
    def audience_label(self) -> str:
        return str(AUDIENCES[self.audience])

    def available(self, actor: User) -> bool:
        if not has_perm(actor, self.permission):
            return False
        scope = grants_of(actor).scope(self.permission.split(".")[0])
        if self.audience == MANAGER:
            return scope not in (None, Scope.OWN)
        if self.audience == EXECUTIVE:
            return scope in (Scope.UNIT, Scope.ALL)
        return True


CARDS: dict[str, Card] = {}


def register_card(card: Card) -> None:
    CARDS[card.code] = card


def cards_available(actor: User) -> list[Card]:
    return [card for card in CARDS.values() if card.available(actor)]


def cards_of(actor: User) -> list[Card]:
    """The user's cards in their order; until they choose, every card available to them."""
    available = {card.code: card for card in cards_available(actor)}
    layout = DashboardLayout.objects.filter(user=actor).values_list("cards", flat=True).first()
    if layout is None:
        return list(available.values())
    return [available[code] for code in layout if code in available]


def _month() -> Period:
    period = default_period("month")
    assert period is not None
    return period


# --- personal ----------------------------------------------------------------------------------------------


def my_plans(actor: User) -> dict[str, Any]:
    today = company_today()
    end = day_start(today + timedelta(days=1))
    rows = Plan.objects.visible_to(actor).filter(owner=actor, status=Plan.Status.OPEN, due_at__lt=end)
    counts = rows.aggregate(due=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=day_start(today))))
    return {**counts, "plans": list(rows.select_related("customer").order_by("due_at")[:5])}


def my_pipeline(actor: User) -> dict[str, Any]:
    rows = Opportunity.objects.visible_to(actor).filter(owner=actor, status=Status.OPEN)
    figures = rows.aggregate(count=Count("pk"), open_amount=Sum("amount"), weighted_amount=Sum(WEIGHTED))
    return {"count": figures["count"], "amount": figures["open_amount"], "weighted": figures["weighted_amount"]}


def my_attainment(actor: User) -> dict[str, Any]:
    today = company_today()
    result = attainment(actor=actor, year=today.year, period=f"m{today.month}", kind=TargetKind.AMOUNT)
    mine = next((row for row in result.people if row.key == actor.pk), None)
    return {"row": mine, "period": result.period}


def my_expiring(actor: User) -> dict[str, Any]:
    now = timezone.now()
    rows = Customer.objects.visible_to(actor).filter(
        owner=actor, expires_at__isnull=False, expires_at__lte=now + timedelta(days=7)
    )
    return {"count": rows.count(), "customers": list(rows.order_by("expires_at")[:5])}


# --- manager ------------------------------------------------------------------------------------------------


def team_attainment(actor: User) -> dict[str, Any]:
    today = company_today()
    result = attainment(actor=actor, year=today.year, period=f"m{today.month}", kind=TargetKind.AMOUNT)
    return {"rows": result.people[:8], "period": result.period}


def team_funnel(actor: User) -> dict[str, Any]:
    report = report_get("funnel")
    from .forms import ReportFilterForm

    form = ReportFilterForm({}, report=report, actor=actor)
    filters = form.filters() if form.is_valid() else Filters()
    result = run(actor=actor, report=report, filters=filters)
    return {"rows": [row for row in result.rows if row.values.get("reached") is not None], "result": result}


def overdue_plans(actor: User) -> dict[str, Any]:
    rows = Plan.objects.visible_to(actor).filter(status=Plan.Status.OPEN, due_at__lt=timezone.now())
    # COUNT(*), not of the id: the plans are counted from the (owner, due time) index alone
    by_owner = rows.order_by().values("owner__display_name").annotate(count=Count("*")).order_by("-count")[:8]
    return {"total": rows.count(), "owners": list(by_owner)}


def open_conflicts(actor: User) -> dict[str, Any]:
    rows = ConflictCase.objects.visible_to(actor).filter(status="open")
    return {"count": rows.count()}


def pending_approvals(actor: User) -> dict[str, Any]:
    from guanxi.workflows.selectors import inbox, inbox_count

    return {"count": inbox_count(actor=actor), "requests": list(inbox(actor=actor)[:5])}


# --- executive ----------------------------------------------------------------------------------------------


def _compare(current: Any, before: Any) -> Decimal | None:
    if not before:
        return None
    return ((Decimal(current or 0) - Decimal(before)) * 100 / Decimal(before)).quantize(Decimal("0.1"))


def won_this_month(actor: User) -> dict[str, Any]:
    """Won this month so far, beside the same days of the month before."""
    period = _month()
    first = (period.start - timedelta(days=1)).replace(day=1)
    previous = Period(first, min(first + (period.end - period.start), period.start - timedelta(days=1)))
    rows = Opportunity.objects.visible_to(actor).filter(status=Status.WON)
    figures = []
    for span in (period, previous):
        start, end = span.bounds()
        figures.append(
            rows.filter(closed_at__gte=start, closed_at__lt=end).aggregate(amount=Sum("amount"), count=Count("pk"))
        )
    now, old = figures
    return {**now, "previous": old, "change": _compare(now["amount"], old["amount"]), "period": period}


def new_customers(actor: User) -> dict[str, Any]:
    period = _month()
    start, end = period.bounds()
    rows = Customer.objects.visible_to(actor)
    count = rows.filter(created_at__gte=start, created_at__lt=end).count()
    return {"count": count, "period": period, "total": rows.count()}


def service_load(actor: User) -> dict[str, Any]:
    rows = Ticket.objects.visible_to(actor).filter(status__in=OPEN_STATUSES)
    return rows.aggregate(open=Count("pk"), breached=Count("pk", filter=Q(breached_at__isnull=False)))


def _url(name: str, query: str = "") -> Callable[[User], str]:
    return lambda actor: reverse(name) + (f"?{query}" if query else "")


def register() -> None:
    from guanxi.core import dashboard

    for card in (
        Card("my_plans", _("My plans for today"), PERSONAL, my_plans, "activities.view", _url("activities:agenda")),
        Card(
            "my_pipeline",
            _("My pipeline"),
            PERSONAL,
            my_pipeline,
            "opportunities.view",
            _url("sales:list", "scene=mine&status=open"),
        ),
        Card(
            "my_attainment",
            _("My target this month"),
            PERSONAL,
            my_attainment,
            "targets.view",
            _url("analytics:attainment"),
        ),
        Card(
            "my_expiring",
            _("My customers returning to the pool"),
            PERSONAL,
            my_expiring,
            "customers.view",
            _url("customers:list", "scene=expiring"),
        ),
        Card(
            "team_attainment",
            _("Team attainment this month"),
            MANAGER,
            team_attainment,
            "targets.view",
            _url("analytics:attainment"),
        ),
        Card(
            "team_funnel",
            _("Funnel"),
            MANAGER,
            team_funnel,
            "opportunities.view",
            lambda actor: reverse("analytics:report", args=["funnel"]),
        ),
        Card(
            "overdue_plans",
            _("Overdue plans"),
            MANAGER,
            overdue_plans,
            "activities.view",
            lambda actor: reverse("analytics:report", args=["plans"]),
        ),
        Card("conflicts", _("Conflict cases"), MANAGER, open_conflicts, "pool.view", _url("pool:conflicts")),
        Card(
            "approvals",
            _("Waiting for my approval"),
            PERSONAL,
            pending_approvals,
            "approvals.view",
            _url("workflows:inbox"),
        ),
        Card(
            "won_month",
            _("Won this month"),
            EXECUTIVE,
            won_this_month,
            "opportunities.view",
            lambda actor: reverse("analytics:report", args=["win_loss"]),
        ),
        Card(
            "new_customers",
            _("New customers this month"),
            EXECUTIVE,
            new_customers,
            "customers.view",
            lambda actor: reverse("analytics:report", args=["composition"]),
        ),
        Card("service_load", _("Open tickets"), EXECUTIVE, service_load, "service.view", _url("service:list")),
    ):
        register_card(card)
    dashboard.register(
        dashboard.Panel("analytics/panels/cards.html", lambda request: {"cards": cards_of(request.user)}, 5)
    )
