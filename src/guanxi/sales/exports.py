"""The opportunity list as an .xlsx or .csv (SPEC §13.2): the list's current filters and order, written by
the shared writer (``core.exports``). Up to ``EXPORT_LIMIT`` rows are written while the user waits; a larger
export runs in the background (io's export jobs call the same builder by name)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.exports import Column, Table, register_export
from guanxi.org.models import User

from . import selectors
from .models import Opportunity

EXPORT_LIMIT = 10_000


def opportunities_table(actor: User, query: Mapping[str, Any]) -> Table:
    """The rows of the list the actor sees with these filters (the list's own form and selector)."""
    from .forms import OpportunityFilterForm

    form = OpportunityFilterForm(query or None, actor=actor)
    data = form.cleaned_data if form.is_valid() else {}
    filters = form.filters()
    rows = selectors.opportunity_list(actor=actor, filters=filters, ordering=data.get("ordering", ""))
    columns = [
        Column(_("Opportunity number"), width=18), Column(_("Opportunity"), width=30),
        Column(_("Customer"), width=30), Column(_("Pipeline")), Column(_("Stage")), Column(_("Status"), width=10),
        Column(_("Amount"), "money"), Column(_("Probability (%)"), "number", 10),
        Column(_("Weighted amount"), "money"), Column(_("Expected close"), "date", 12), Column(_("Owner")),
        Column(_("Loss reason")), Column(_("Updated"), "datetime", 17),
    ]  # fmt: skip
    return Table(
        title=_("Opportunities"),
        object_type="sales.opportunity",
        columns=columns,
        rows=_cells(rows.iterator(chunk_size=2000)),
        count=rows.count(),
        filters=filters,
    )


def _cells(rows: Iterator[Opportunity]) -> Iterator[Sequence[Any]]:
    reasons = dictionary_labels("loss_reason")
    for row in rows:
        yield (
            row.number, row.name, row.customer.name, row.pipeline.shown_name, row.stage.shown_name,
            str(row.get_status_display()), row.amount, row.probability, row.weighted_amount,
            row.expected_close_date, str(row.owner), reasons.get(row.loss_reason, row.loss_reason), row.updated_at,
        )  # fmt: skip


def register() -> None:
    register_export("opportunities", "opportunities.export", opportunities_table)
