"""The ticket list as an .xlsx (SPEC §13.2): the current filters, the export permission, audited."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.errors import DomainError
from guanxi.core.permissions import require_perm
from guanxi.org.models import User

from .models import CHANNEL_DICTIONARY, TYPE_DICTIONARY, Ticket

EXPORT_LIMIT = 10_000


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def tickets_export(*, actor: User, rows: QuerySet[Ticket], filters: dict[str, Any]) -> bytes:
    """``rows`` come from ``selectors.ticket_list`` (the actor's scope and filters)."""
    require_perm(actor, "service.export")
    chosen = list(rows[: EXPORT_LIMIT + 1])
    if len(chosen) > EXPORT_LIMIT:
        raise DomainError(
            _("More than %(limit)d tickets match; narrow the filters to export them.") % {"limit": EXPORT_LIMIT}
        )
    types, channels = dictionary_labels(TYPE_DICTIONARY), dictionary_labels(CHANNEL_DICTIONARY)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(str(_("Tickets"))[:31])
    bold = workbook.add_format({"bold": True})
    titles = [
        _("Ticket number"), _("Subject"), _("Customer"), _("Ticket type"), _("Ticket channel"), _("Priority"),
        _("Status"), _("Assignee"), _("Round"), _("Satisfaction"), _("Created"), _("Resolve by"),
        _("Resolved at"), _("Deadline missed at"),
    ]  # fmt: skip
    sheet.write_row(0, 0, [str(title) for title in titles], bold)
    for number, row in enumerate(chosen, start=1):
        sheet.write_row(
            number,
            0,
            [
                row.number, row.subject, row.customer.name, types.get(row.type, row.type),
                channels.get(row.channel, row.channel), str(row.get_priority_display()), str(row.get_status_display()),
                str(row.assignee or ""), row.round, row.satisfaction or "", _when(row.created_at),
                _when(row.resolve_due_at), _when(row.resolved_at), _when(row.breached_at),
            ],
        )  # fmt: skip
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 2, 30)
    sheet.set_column(3, len(titles) - 1, 14)
    workbook.close()
    audit_log(
        actor=actor,
        action=Action.EXPORT,
        object_type="service.ticket",
        object_repr=str(_("Tickets")),
        changes={"count": len(chosen), "filters": {key: str(value) for key, value in filters.items()}},
        note=f"{len(chosen)}",
    )
    return output.getvalue()
