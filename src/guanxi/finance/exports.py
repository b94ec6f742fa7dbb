"""The receivables report as an .xlsx or .csv through the shared writer: money as numeric cells."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.exports import Column, Table, register_export
from guanxi.org.models import User

from . import selectors
from .forms import ReportForm

EXPORT_LIMIT = 10_000
PAGE = 1000


def report_query(query: Mapping[str, Any]) -> tuple[date, str, dict[str, Any]]:
    """The report's date, grouping and filters from a query string."""
    form = ReportForm(query or None)
    data = form.cleaned_data if form.is_valid() else {}
    as_of = data.get("as_of") or timezone.localdate()
    by = "record" if data.get("by") == "record" else "customer"
    filters = {name: data[name] for name in ("q", "overdue") if data.get(name)}
    customer = str(query.get("customer", ""))
    if customer.isdigit():
        filters["customer"] = int(customer)
    return as_of, by, filters


def receivables_table(actor: User, query: Mapping[str, Any]) -> Table:
    as_of, by, filters = report_query(query)
    first, _rows = selectors.ageing_page(actor, as_of=as_of, by="customer" if by == "customer" else "receivable",
                                         filters=filters, per_page=PAGE)  # fmt: skip
    first_column = _("Customer") if by == "customer" else _("Contract or order")
    columns = [
        Column(first_column, width=30), *([Column(_("Customer"), width=30)] if by != "customer" else []),
        Column(_("Contracted"), "money"), Column(_("Invoiced"), "money"), Column(_("Received"), "money"),
        Column(_("Outstanding"), "money"), Column(_("Not yet due"), "money"), Column(_("0–30 days"), "money"),
        Column(_("31–60 days"), "money"), Column(_("61–90 days"), "money"), Column(_("Over 90 days"), "money"),
    ]  # fmt: skip
    return Table(
        title=_("Receivables as of %(day)s") % {"day": as_of.isoformat()},
        object_type="finance.receivable",
        columns=columns,
        rows=_cells(actor, as_of, by, filters, first.paginator.num_pages),
        count=first.paginator.count,
        filters={"as_of": as_of.isoformat(), "by": by, **filters},
    )


def _cells(actor: User, as_of: date, by: str, filters: dict[str, Any], pages: int) -> Iterator[Sequence[Any]]:
    for number in range(1, pages + 1):
        _page, rows = selectors.ageing_page(actor, as_of=as_of, by="customer" if by == "customer" else "receivable",
                                            filters=filters, page=number, per_page=PAGE)  # fmt: skip
        for row in rows:
            figures = row.figures
            yield (
                row.label, *([row.customer_name] if by != "customer" else []), figures["contracted"],
                figures["invoiced"], figures["received"], figures["outstanding"], figures["not_due"],
                figures["d0_30"], figures["d31_60"], figures["d61_90"], figures["d90"],
            )  # fmt: skip


def register() -> None:
    register_export("receivables", "payments.export", receivables_table)
