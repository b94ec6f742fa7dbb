"""Service levels (SPEC §9.3): response and resolution targets per priority (the unit's parameters
``service.<priority>_response_hours`` / ``_resolve_hours``), counted in working time from creation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from guanxi.core.config.parameters import parameter_value
from guanxi.org.models import BusinessUnit

from .models import Priority, Ticket
from .workcalendar import Calendar, calendar_of

SOON = timedelta(hours=4)  # "breaching soon": a deadline within this much wall-clock time


@dataclass(frozen=True)
class Targets:
    response_hours: int
    resolve_hours: int


def targets_of(unit: BusinessUnit | int | None, priority: str) -> Targets:
    return Targets(
        parameter_value(f"service.{priority}_response_hours", unit=unit),
        parameter_value(f"service.{priority}_resolve_hours", unit=unit),
    )


def deadlines(*, unit: BusinessUnit | int | None, priority: str, start: datetime) -> tuple[datetime, datetime]:
    """(respond by, resolve by) of a ticket of this priority created at ``start``."""
    calendar = calendar_of(unit)
    targets = targets_of(unit, priority)
    return calendar.add(start, targets.response_hours * 60), calendar.add(start, targets.resolve_hours * 60)


def pending_deadline(ticket: Ticket) -> datetime | None:
    """The deadline that still matters: the response until someone started, then the resolution."""
    if not ticket.is_open:
        return None
    if (
        ticket.responded_at is None
        and ticket.response_due_at
        and ticket.response_due_at < (ticket.resolve_due_at or ticket.response_due_at)
    ):
        return ticket.response_due_at
    return ticket.resolve_due_at


def minutes_left(ticket: Ticket, *, now: datetime | None = None, calendar: Calendar | None = None) -> int | None:
    """Working minutes to the pending deadline (negative: overdue by that much); None for a closed ticket."""
    due = pending_deadline(ticket)
    if due is None:
        return None
    calendar = calendar or calendar_of(ticket.business_unit_id)
    return calendar.minutes_between(now or timezone.now(), due)


def priority_rows(unit: BusinessUnit | int | None) -> list[tuple[str, Targets]]:
    """The unit's targets, for the SLA page: (priority label, targets)."""
    return [(str(label), targets_of(unit, code)) for code, label in Priority.choices]
