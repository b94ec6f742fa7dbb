"""The customer list as an .xlsx or .csv (SPEC §13.2): the rows the list shows for the same query (scene,
search, filters, custom-field filters, order) in the reader's chosen columns, phones and e-mails masked as
on the list, written by the shared writer (``core.exports``). Up to ``EXPORT_LIMIT`` rows are written while
the user waits; a larger export runs in the background (io's export jobs call the same builder by name)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.config.custom_forms import add_custom_filters, custom_filter_apply
from guanxi.core.exports import Column, Table, export_audit, export_table, register_export, table_write
from guanxi.org.models import User

from . import keys, selectors, services
from .forms import CustomerFilterForm
from .models import Customer
from .preferences import chosen_columns, column_cells

EXPORT_LIMIT = 10_000
CHUNK = 2000  # customers labelled and checked for masking together: a few queries per chunk

# The chosen columns written as real dates and times instead of their shown text.
TYPED = {"last_followup": ("date", 12), "created": ("date", 12), "updated": ("datetime", 17)}


def listed_customers(actor: User, query: Mapping[str, Any]) -> tuple[QuerySet[Customer], CustomerFilterForm]:
    """The customers the list shows the actor for these query parameters, and the filter form that read
    them: the list page and its export both read them here, so an export is the list."""

    form = CustomerFilterForm(query or None, actor=actor)
    add_custom_filters(form, Customer, actor.business_unit_id)
    data = form.cleaned_data if form.is_valid() else {}
    customers = selectors.customer_list(
        actor=actor,
        scene=data.get("scene") or "all",
        query=data.get("q", ""),
        filters={name: data.get(name) for name in selectors.FILTERS},
        ordering=data.get("ordering", ""),
    )
    customers = custom_filter_apply(customers, Customer, actor.business_unit_id, data)
    return customers, form


def customers_table(actor: User, query: Mapping[str, Any]) -> Table:
    """The list's rows for the actor, or only the selected ones (``ids``) among them."""
    customers, form = listed_customers(actor, query)
    data = form.cleaned_data if form.is_valid() else {}
    ids = _selected_ids(query)
    if ids is not None:
        customers = customers.filter(pk__in=ids)
    keys_chosen = chosen_columns(actor)
    head = column_cells(keys_chosen, [], actor.business_unit_id)
    columns = [
        Column(_("Customer"), width=30),
        *(Column(label, *TYPED.get(key, ("text", 16))) for key, label in head),
        Column(_("Phone")),
        Column(_("E-mail"), width=24),
    ]
    return Table(
        title=_("Customers"),
        object_type="customers.customer",
        columns=columns,
        rows=_cells(actor, customers, keys_chosen),
        count=customers.count(),
        filters={key: value for key, value in data.items() if value not in (None, "", [])},
    )


def _selected_ids(query: Mapping[str, Any]) -> list[int] | None:
    raw = query.getlist("ids") if hasattr(query, "getlist") else query.get("ids")
    if raw is None or raw == []:
        return None
    values = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    return [int(value) for value in values if str(value).strip().isdigit()]


def _cells(actor: User, customers: QuerySet[Customer], columns: Sequence[str]) -> Iterator[Sequence[Any]]:
    rows = customers.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        column_cells(columns, chunk, actor.business_unit_id)
        plainly = services.customers_seen_plainly(actor, chunk)
        for customer in chunk:
            plain = customer.pk in plainly
            phone = customer.phone if plain else keys.mask_phone(customer.phone)
            email = customer.email if plain or not customer.email else keys.mask_email(customer.email)
            cells = [_typed(customer, cell.key, cell.value) for cell in customer.cells]  # type: ignore[attr-defined]
            yield (customer.name, *cells, phone, email)


def _typed(customer: Customer, key: str, shown: Any) -> Any:
    if key == "updated":
        return customer.updated_at
    if key == "created":
        return timezone.localdate(customer.created_at) if customer.created_at else None
    if key == "last_followup":
        return timezone.localdate(customer.last_followup_at) if customer.last_followup_at else None
    return str(shown)


def download(content: bytes, file_format: str) -> HttpResponse:
    kind = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="customers.{file_format}"'
    return response


def register() -> None:
    register_export("customers", "customers.export", customers_table)


def customers_export(*, actor: User, query: Mapping[str, Any], file_format: str = "xlsx") -> tuple[bytes, int]:
    """The list (or the selection) written now, with the export permission, audited with the filters and
    the count. The caller sends a list above ``EXPORT_LIMIT`` to the background export instead."""
    table = export_table(actor=actor, name="customers", query=query)
    content = table_write(table, file_format=file_format)
    export_audit(actor=actor, table=table, rows=table.count)
    return content, table.count
