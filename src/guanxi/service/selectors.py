"""Reads of the service module, every one from ``visible_to`` (the data-scope gate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.permissions import grants_of, has_perm
from guanxi.core.scope import Scope, partner_of
from guanxi.core.search import Hit
from guanxi.customers.models import Customer
from guanxi.customers.warnings import CustomerWarning
from guanxi.org.models import User

from . import knowledge, sla
from .models import (
    CHANNEL_DICTIONARY,
    COMPLAINT,
    OPEN_STATUSES,
    TYPE_DICTIONARY,
    UNARCHIVED,
    Article,
    ArticleCategory,
    StepKind,
    Ticket,
    TicketAttachment,
    TicketStep,
)
from .workcalendar import calendar_of

FILTERS = ("status", "type", "priority", "assignee", "customer")
QUEUES = {
    "mine": gettext_lazy("My tickets"),
    "unassigned": gettext_lazy("Unassigned"),
    "breaching": gettext_lazy("Breaching soon"),
    "team": gettext_lazy("The team's open tickets"),
}


def queues_for(actor: User) -> dict[str, Any]:
    """The queues the actor works from: the team's only for those who see more tickets than their own."""
    if grants_of(actor).scope("service") in (None, Scope.OWN):
        return {code: label for code, label in QUEUES.items() if code != "team"}
    return QUEUES


@dataclass(frozen=True)
class AgentLoad:
    agent: User | None  # None: the unassigned tickets
    open: int
    breached: int
    due_soon: int


def team_load(*, actor: User, now: datetime | None = None) -> list[AgentLoad]:
    """The manager's view of the open tickets they see: per agent, how many are open, past a deadline and due
    within the warning time; the unassigned ones first. One GROUP BY whatever the number of tickets."""
    soon = (now or timezone.now()) + sla.SOON
    rows = (
        Ticket.objects.visible_to(actor)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee")
        .annotate(
            open=Count("pk"),
            breached=Count("pk", filter=Q(breached_at__isnull=False)),
            due_soon=Count("pk", filter=Q(breached_at__isnull=True, resolve_due_at__lte=soon)),
        )
    )
    lines = list(rows)
    people = User.objects.in_bulk([line["assignee"] for line in lines if line["assignee"]])
    loads = [
        AgentLoad(people.get(line["assignee"]), line["open"], line["breached"], line["due_soon"]) for line in lines
    ]
    return sorted(loads, key=lambda load: (load.agent is not None, -load.breached, -load.open))


def ticket_list(
    *, actor: User, query: str = "", filters: dict[str, Any] | None = None, breached: bool = False
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.visible_to(actor).select_related("customer", "assignee")
    if query := query.strip():
        found = Q(number__startswith=query.upper()) | Q(subject__contains=query)
        tickets = tickets.filter(found)
    for name, value in (filters or {}).items():
        if value in (None, "", []):
            continue
        tickets = tickets.filter(**{name: value})
    if breached:
        tickets = tickets.filter(breached_at__isnull=False)
    return tickets.order_by("-created_at", "-pk")


def queue(*, actor: User, name: str, now: datetime | None = None) -> QuerySet[Ticket]:
    """The agent's queue: their open tickets, the unit's unassigned ones, those near a deadline, or (for a
    manager) every open ticket they see, the nearest deadline first."""
    tickets = Ticket.objects.visible_to(actor).select_related("customer", "assignee").filter(status__in=OPEN_STATUSES)
    if name == "unassigned":
        return tickets.filter(assignee__isnull=True).order_by("resolve_due_at", "pk")
    if name == "team":
        return tickets.order_by("resolve_due_at", "pk")
    if name == "breaching":
        soon = (now or timezone.now()) + sla.SOON
        near = Q(resolve_due_at__lte=soon) | Q(responded_at__isnull=True, response_due_at__lte=soon)
        mine = Q(assignee=actor) | Q(assignee__isnull=True)
        return tickets.filter(near, mine).order_by("resolve_due_at", "pk")
    return tickets.filter(assignee=actor).order_by("resolve_due_at", "pk")


def label_rows(tickets: list[Ticket], *, now: datetime | None = None) -> None:
    """Labels and time left for a page of tickets: two queries whatever the page size."""
    types, channels = dictionary_labels(TYPE_DICTIONARY), dictionary_labels(CHANNEL_DICTIONARY)
    calendars: dict[int, Any] = {}
    now = now or timezone.now()
    for ticket in tickets:
        ticket.type_label = types.get(ticket.type, ticket.type)  # type: ignore[attr-defined]
        ticket.channel_label = channels.get(ticket.channel, ticket.channel)  # type: ignore[attr-defined]
        if ticket.is_open:
            if ticket.business_unit_id not in calendars:
                calendars[ticket.business_unit_id] = calendar_of(ticket.business_unit_id)
            calendar = calendars[ticket.business_unit_id]
            ticket.minutes_left = sla.minutes_left(ticket, now=now, calendar=calendar)  # type: ignore[attr-defined]
        else:
            ticket.minutes_left = None  # type: ignore[attr-defined]


def ticket_for_detail(*, actor: User, pk: int) -> Ticket:
    from guanxi.core.scope import get_visible_or_404

    ticket = get_visible_or_404(
        Ticket.objects.select_related(
            "customer", "contact", "assignee", "reopened_from", "contract", "order", "product"
        ),
        actor,
        pk=pk,
    )
    label_rows([ticket])
    return ticket


def attachment_for_download(*, actor: User, pk: int) -> TicketAttachment:
    """A file of a ticket the actor may see; 404 otherwise, exactly like a missing one."""
    from django.http import Http404

    try:
        return TicketAttachment.objects.get(pk=pk, ticket__in=Ticket.objects.visible_to(actor).values("pk"))
    except TicketAttachment.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class TimelineRow:
    step: TicketStep
    took: timedelta | None  # since the step before
    partner: str = ""  # the channel partner whose person took the step (a reply from the portal)


def timeline(ticket: Ticket) -> list[TimelineRow]:
    steps = list(TicketStep.objects.filter(ticket=ticket).select_related("actor", "assignee").order_by("at", "pk"))
    partners = _partners_of([step.actor for step in steps if step.actor is not None])
    rows, previous = [], None
    for step in steps:
        partner = partners.get(step.actor_id, "") if step.actor_id else ""
        rows.append(TimelineRow(step, step.at - previous if previous else None, partner))
        previous = step.at
    return rows


def _partners_of(people: list[User]) -> dict[int, str]:
    """The channel partner's name of each partner's person among ``people`` (staff, in a department, cost
    nothing): one lookup a person, one query for the names."""
    found = {person.pk: partner_of(person) for person in people if person.department_id is None}
    ids = {partner for partner in found.values() if partner is not None}
    if not ids:
        return {}
    names = dict(Customer.all_objects.filter(pk__in=ids).values_list("pk", "name"))
    return {person: names.get(partner, "") for person, partner in found.items() if partner is not None}


def ticket_replies(*, actor: Any, ticket: Ticket) -> QuerySet[TicketStep]:
    """The ticket's public replies, oldest first, through the gate: what a channel partner's person reads in
    the portal (never an internal note)."""
    rows = TicketStep.objects.visible_to(actor).filter(ticket=ticket, kind=StepKind.REPLY)
    return rows.select_related("actor").order_by("at", "pk")


def customer_tickets(*, actor: User, customer_id: int) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(actor).filter(customer_id=customer_id).select_related("assignee")


def open_complaints(customer_ids: list[int], actor: object) -> dict[int, CustomerWarning]:
    """The customers' unarchived complaints, counted whoever may see the tickets themselves: a salesperson
    must know before selling (SPEC §9.5); the link opens only for those who may."""
    rows = (
        Ticket.objects.filter(customer_id__in=customer_ids, type=COMPLAINT, status__in=UNARCHIVED)
        .values("customer_id")
        .annotate(count=Count("pk"))
    )
    may_open = has_perm(actor, "service.view")
    found = {}
    for row in rows:
        count = row["count"]
        message = ngettext(
            "This customer has %(count)d open complaint: settle it before selling to them again.",
            "This customer has %(count)d open complaints: settle them before selling to them again.",
            count,
        ) % {"count": count}
        url = f"{reverse('service:list')}?customer={row['customer_id']}&type={COMPLAINT}" if may_open else ""
        found[row["customer_id"]] = CustomerWarning("open_complaints", count, message, url)
    return found


def search_tickets(*, actor: User, query: str, limit: int) -> list[Hit]:
    """The global search box: a ticket by its number or subject."""
    rows = ticket_list(actor=actor, query=query).select_related(None).only("pk", "number", "subject", "status")
    return [
        Hit(f"{ticket.number} {ticket.subject}", ticket.get_status_display(), ticket.get_absolute_url())
        for ticket in rows[:limit]
    ]


# --- knowledge base --------------------------------------------------------------------------------------


def article_list(*, actor: User, query: str = "", category: int | None = None) -> QuerySet[Article]:
    articles: QuerySet[Article] = Article.objects.visible_to(actor).select_related("category")
    if category:
        articles = articles.filter(category_id=category)
    if query:
        articles = knowledge.search(articles, query)
    return articles.order_by("-updated_at", "-pk")


def public_articles(*, unit_id: int | None = None, query: str = "") -> QuerySet[Article]:
    """The FAQ anyone may read: the articles marked public (SPEC §9.4)."""
    articles: QuerySet[Article] = Article.objects.filter(is_public=True).select_related("category")
    if unit_id:
        articles = articles.filter(business_unit_id=unit_id)
    if query:
        articles = knowledge.search(articles, query)
    return articles.order_by("category__sort_order", "category__name", "title")


def categories(*, actor: User) -> QuerySet[ArticleCategory]:
    return ArticleCategory.objects.visible_to(actor).annotate(
        count=Count("articles", filter=Q(articles__deleted_at__isnull=True))
    )


def suggested_articles(*, actor: User, ticket: Ticket, limit: int = 5) -> list[Article]:
    """Articles whose text shares the ticket's subject words, for the agent handling it."""
    found = article_list(actor=actor, query=ticket.subject)[:limit]
    return list(found) or list(article_list(actor=actor, query=ticket.subject[:2])[:limit])


def minutes_label(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, rest = divmod(abs(minutes), 60)
    span = _("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": rest}
    return _("%(span)s left") % {"span": span} if minutes >= 0 else _("%(span)s overdue") % {"span": span}


def search_articles(*, actor: User, query: str, limit: int) -> list[Hit]:
    return [
        Hit(article.title, article.category.name, article.get_absolute_url())
        for article in article_list(actor=actor, query=query)[:limit]
    ]


def register() -> None:
    """The menu entries, the global search, the customer 360 tab and its complaint warning."""
    from guanxi.core import navigation, search
    from guanxi.customers.warnings import register_warning

    navigation.register(
        navigation.NavItem(gettext_lazy("Service"), "service:queue", "headset", 40, navigation.needs("service.view"))
    )
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Knowledge base"), "service:articles", "books", 41, navigation.needs("knowledge.view")
        )
    )
    search.register(search.Provider(gettext_lazy("Tickets"), search_tickets))
    search.register(search.Provider(gettext_lazy("Knowledge base"), search_articles))
    register_warning("open_complaints", open_complaints)
