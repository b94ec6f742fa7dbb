"""The SLA sweep (SPEC §9.3): open tickets past a deadline are marked once and escalated to the manager once,
each claimed by a conditional UPDATE, so a re-run or a second worker does nothing twice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_noop
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.texts import Text
from guanxi.org.models import User

from .models import OPEN_STATUSES, StepKind, Ticket, TicketStep
from .services import escalation_recipients

BATCH = 500


def overdue(at: datetime) -> Q:
    """Open, not yet marked, and past the response deadline before anyone started or past the resolution."""
    late = Q(resolve_due_at__lt=at) | Q(responded_at__isnull=True, response_due_at__lt=at)
    return Q(status__in=OPEN_STATUSES, breached_at__isnull=True, deleted_at__isnull=True) & late


@job("sla_breaches")
def sla_breaches(at: datetime) -> str:
    """Mark the tickets whose deadline passed and tell each one's manager, once: a batch at a time."""
    marked = 0
    while batch := _mark_batch(at):
        marked += batch
    return f"{marked} tickets past their deadline escalated"


@transaction.atomic
def _mark_batch(at: datetime) -> int:
    ids = list(
        Ticket.all_objects.filter(overdue(at)).order_by("resolve_due_at", "pk").values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return 0
    # the claim: a conditional UPDATE, so a second sweep (or worker) stamps none of these again
    Ticket.all_objects.filter(pk__in=ids).filter(overdue(at)).update(breached_at=at, escalated_at=at)
    tickets = list(Ticket.all_objects.filter(pk__in=ids, breached_at=at).select_related("assignee__manager"))
    by_recipient: dict[int, tuple[User, list[Ticket]]] = {}
    dispatchers: dict[int, list[User]] = {}
    steps = []
    for ticket in tickets:
        if ticket.assignee_id and ticket.assignee and ticket.assignee.manager:
            recipients = [ticket.assignee.manager]
        else:
            if ticket.business_unit_id not in dispatchers:
                dispatchers[ticket.business_unit_id] = escalation_recipients(ticket)
            recipients = dispatchers[ticket.business_unit_id]
        for person in recipients:
            by_recipient.setdefault(person.pk, (person, []))[1].append(ticket)
        names = ", ".join(str(person) for person in recipients)
        steps += [
            TicketStep(ticket=ticket, kind=StepKind.BREACHED, at=at, round=ticket.round),
            TicketStep(ticket=ticket, kind=StepKind.ESCALATED, at=at, round=ticket.round, note=names),
        ]
    TicketStep.objects.bulk_create(steps)
    notify_each(kind="ticket_escalated", messages=[_news(person, theirs) for person, theirs in by_recipient.values()])
    return len(tickets)


def _news(person: User, tickets: list[Ticket]) -> Message:
    """One notification a manager a sweep: the ticket itself, or the list of those that missed their deadline."""
    if len(tickets) == 1:
        ticket = tickets[0]
        title = Text(gettext_noop("Ticket {number} missed its deadline: {subject}"), number=ticket.number,
                     subject=ticket.subject)  # fmt: skip
        return Message(person, title, obj=ticket)
    title = Text(gettext_noop("{count} tickets missed their deadline"), count=len(tickets))
    return Message(person, title, url=f"{reverse('service:list')}?breached=on")


@db_periodic_task(crontab(minute="*/5"))
def sla_breaches_every_five_minutes() -> None:
    run_job("sla_breaches")
