"""Service analysis (SPEC §12.3): tickets created in the period by type, status, priority, channel or
handler; how many were resolved, in time, and how satisfied the customers were."""

from __future__ import annotations

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from guanxi.service.models import CHANNEL_DICTIONARY, TYPE_DICTIONARY, Priority, Ticket, TicketStatus

from ..framework import Dimension, Measure, Report, rate, register_report
from . import labels

SERVICE = Report(
    name="service",
    title=_("Service analysis"),
    description=_(
        "Tickets created in the period: how many were resolved, how many missed a deadline, and the customers' "
        "average satisfaction (1–5)."
    ),
    model=Ticket,
    module="service",
    period_field="created_at",
    dimensions=(
        Dimension("type", _("Ticket type"), "type", labels.dictionary(TYPE_DICTIONARY), list_param="type"),
        Dimension("status", _("Status"), "status", labels.choices(TicketStatus), list_param="status"),
        Dimension("priority", _("Priority"), "priority", labels.choices(Priority), list_param="priority"),
        Dimension("channel", _("Channel"), "channel", labels.dictionary(CHANNEL_DICTIONARY)),
        Dimension("assignee", _("Handled by"), "assignee", labels.people, list_param="assignee"),
        Dimension("day", _("Day"), day=True),
    ),
    measures=(
        Measure("count", _("Tickets"), Count("pk")),
        Measure("resolved", _("Resolved"), Count("pk", filter=Q(resolved_at__isnull=False))),
        Measure("breached", _("Missed a deadline"), Count("pk", filter=Q(breached_at__isnull=False))),
        Measure("resolution", _("Resolution rate"), kind="percent", derive=rate("resolved", "count")),
        Measure("satisfaction", _("Average satisfaction"), Avg("satisfaction"), kind="decimal"),
    ),
    group="service",
    chart="bar",
    list_url="service:list",
    list_params={"owner": "assignee"},
    order=90,
    record_related=("customer", "assignee"),
)


def register() -> None:
    register_report(SERVICE)
