"""The opportunity list as an .xlsx (SPEC §13.2): the current filters, the export permission, audited.
Up to ``EXPORT_LIMIT`` rows are written at once; larger exports wait for the background export engine."""

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

from .models import Opportunity

EXPORT_LIMIT = 10_000


def opportunities_export(*, actor: User, rows: QuerySet[Opportunity], filters: dict[str, Any]) -> bytes:
    """``rows`` come from ``selectors.opportunity_list`` (the actor's scope and filters)."""
    require_perm(actor, "opportunities.export")
    chosen = list(rows[: EXPORT_LIMIT + 1])
    if len(chosen) > EXPORT_LIMIT:
        raise DomainError(
            _("More than %(limit)d opportunities match; narrow the filters to export them.") % {"limit": EXPORT_LIMIT}
        )
    reasons = dictionary_labels("loss_reason")
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(str(_("Opportunities"))[:31])
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    titles = [
        _("Opportunity number"), _("Opportunity"), _("Customer"), _("Pipeline"), _("Stage"), _("Status"),
        _("Amount"), _("Probability (%)"), _("Weighted amount"), _("Expected close"), _("Owner"),
        _("Loss reason"), _("Updated"),
    ]  # fmt: skip
    sheet.write_row(0, 0, [str(title) for title in titles], bold)
    for number, row in enumerate(chosen, start=1):
        sheet.write_row(
            number,
            0,
            [
                row.number,
                row.name,
                row.customer.name,
                row.pipeline.shown_name,
                row.stage.shown_name,
                str(row.get_status_display()),
            ],
        )
        sheet.write_number(number, 6, float(row.amount), money)
        sheet.write_number(number, 7, row.probability)
        sheet.write_number(number, 8, float(row.weighted_amount), money)
        sheet.write_row(
            number,
            9,
            [
                row.expected_close_date.isoformat() if row.expected_close_date else "",
                str(row.owner),
                reasons.get(row.loss_reason, row.loss_reason),
                timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M"),
            ],
        )
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 2, 30)
    sheet.set_column(3, len(titles) - 1, 14)
    workbook.close()
    audit_log(
        actor=actor,
        action=Action.EXPORT,
        object_type="sales.opportunity",
        object_repr=str(_("Opportunities")),
        changes={"count": len(chosen), "filters": {key: str(value) for key, value in filters.items()}},
        note=f"{len(chosen)}",
    )
    return output.getvalue()
