"""The order list as an .xlsx or .csv through the shared writer (``core.exports``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.exports import Column, Table, register_export
from guanxi.org.models import User

from . import selectors
from .forms import OrderFilterForm
from .models import Order

EXPORT_LIMIT = 10_000


def orders_table(actor: User, query: Mapping[str, Any]) -> Table:
    """The rows of the list page for the same query: its scene and filters, in its order."""
    form = OrderFilterForm(query or None, actor=actor)
    filters = form.filters()
    scene = str(query.get("scene", "")) if str(query.get("scene", "")) in selectors.SCENES else ""
    rows = selectors.order_list(actor=actor, scene=scene, filters=filters).select_related("contract")
    columns = [
        Column(_("Order number"), width=18), Column(_("Customer"), width=30), Column(_("Contract number"), width=18),
        Column(_("Status"), width=12), Column(_("Order date"), "date", 12), Column(_("Delivery date"), "date", 12),
        Column(_("Amount before tax"), "money"), Column(_("Tax"), "money"), Column(_("Total"), "money"),
        Column(_("Ordered quantity"), "number"), Column(_("Delivered quantity"), "number"),
        Column(_("Invoiced"), "money"), Column(_("Received"), "money"), Column(_("Owner")),
        Column(_("Updated"), "datetime", 17),
    ]  # fmt: skip
    return Table(
        title=_("Orders"),
        object_type="sales.order",
        columns=columns,
        rows=_cells(rows.iterator(chunk_size=2000)),
        count=rows.count(),
        filters={**filters, **({"scene": scene} if scene else {})},
    )


def _cells(rows: Iterator[Order]) -> Iterator[Sequence[Any]]:
    for row in rows:
        yield (
            row.number, row.customer.name, row.contract.number if row.contract else "",
            str(row.get_status_display()), row.ordered_on, row.delivery_on, row.net_amount, row.tax_amount,
            row.total, row.ordered_quantity, row.delivered_quantity, row.invoiced_amount, row.received_amount,
            str(row.owner), row.updated_at,
        )  # fmt: skip


def register() -> None:
    register_export("orders", "orders.export", orders_table)
