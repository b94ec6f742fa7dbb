"""The SLA sweep (SPEC §9.3): open tickets past a deadline are marked once and escalated to the manager once,
each claimed by a conditional UPDATE, so a re-run or a second worker does nothing twice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job
from guanxi.core.notifications.services import notify
from guanxi.core.texts import Text

from .models import OPEN_STATUSES, StepKind, Ticket, TicketStep
from .services import escalation_recipients

BATCH = 500


def overdue(at: datetime) -> Q:
    """Open, not yet marked, and past the response deadline before anyone started or past the resolution."""
    late = Q(resolve_due_at__lt=at) | Q(responded_at__isnull=True, response_due_at__lt=at)
    return Q(status__in=OPEN_STATUSES, breached_at__isnull=True, deleted_at__isnull=True) & late


@job("sla_breaches")
def sla_breaches(at: datetime) -> str:
    """Mark the tickets whose deadline passed and tell each one's manager, once."""
    marked = 0
    while True:
        ids = list(
            Ticket.all_objects.filter(overdue(at)).order_by("resolve_due_at").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        for pk in ids:
            marked += _mark(pk, at)
    return f"{marked} tickets past their deadline escalated"


@transaction.atomic
def _mark(pk: int, at: datetime) -> int:
    # the claim: only the first sweep to stamp the row goes on to escalate it
    if not Ticket.all_objects.filter(pk=pk).filter(overdue(at)).update(breached_at=at, escalated_at=at):
        return 0
    ticket = Ticket.all_objects.select_related("assignee__manager").get(pk=pk)
    TicketStep.objects.create(ticket=ticket, kind=StepKind.BREACHED, at=at, round=ticket.round)
    recipients = escalation_recipients(ticket)
    TicketStep.objects.create(ticket=ticket, kind=StepKind.ESCALATED, at=at, round=ticket.round,
                              note=", ".join(str(person) for person in recipients))  # fmt: skip
    notify(
        recipients=recipients,
        kind="ticket_escalated",
        title=Text(
            gettext_noop("Ticket {number} missed its deadline: {subject}"), number=ticket.number, subject=ticket.subject
        ),
        obj=ticket,
    )
    return 1


@db_periodic_task(crontab(minute="*/5"))
def sla_breaches_every_five_minutes() -> None:
    run_job("sla_breaches")
