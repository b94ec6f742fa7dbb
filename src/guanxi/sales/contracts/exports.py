"""The contract list as an .xlsx or .csv through the shared writer (``core.exports``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.exports import Column, Table, register_export
from guanxi.org.models import User

from . import selectors
from .forms import ContractFilterForm
from .models import Contract

EXPORT_LIMIT = 10_000


def contracts_table(actor: User, query: Mapping[str, Any]) -> Table:
    form = ContractFilterForm(query or None, actor=actor)
    filters = form.filters()
    scene = str(query.get("scene", "")) if str(query.get("scene", "")) in selectors.SCENES else ""
    rows = selectors.contract_list(actor=actor, scene=scene, filters=filters)
    columns = [
        Column(_("Contract number"), width=18), Column(_("Title"), width=30), Column(_("Customer"), width=30),
        Column(_("Status"), width=12), Column(_("Contract amount"), "money"), Column(_("Signed date"), "date", 12),
        Column(_("Start date"), "date", 12), Column(_("End date"), "date", 12), Column(_("Owner")),
        Column(_("Updated"), "datetime", 17),
    ]  # fmt: skip
    return Table(
        title=_("Contracts"),
        object_type="sales.contract",
        columns=columns,
        rows=_cells(rows.iterator(chunk_size=2000)),
        count=rows.count(),
        filters={**filters, **({"scene": scene} if scene else {})},
    )


def _cells(rows: Iterator[Contract]) -> Iterator[Sequence[Any]]:
    for row in rows:
        yield (
            row.number, row.title, row.customer.name, str(row.get_status_display()), row.amount, row.signed_on,
            row.start_on, row.end_on, str(row.owner), row.updated_at,
        )  # fmt: skip


def register() -> None:
    register_export("contracts", "contracts.export", contracts_table)
