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
from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.exports import Column, Table, export_audit, export_table, register_export, table_write
from guanxi.org.models import User

from . import keys, selectors, services
from .forms import CustomerFilterForm
from .models import Customer, Lifecycle
from .preferences import chosen_columns, column_cells
from .selectors import days_to_expiry, expiry_label

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


# The columns an export reads straight from the row (the rest, regions and custom fields, through the list's
# own ``column_cells``): the list formats its dates as text for people, the export writes real date cells, so it
# neither formats them nor asks translation for each row's labels.
DIRECT = {"number", "status", "level", "owner", "expiry", "last_followup", "updated", "created", "industry", "source"}
# What the export reads of each customer (and of its owner): the wide rest of the row is never loaded.
FIELDS = [
    "name", "number", "status", "level", "owner", "expires_at", "locked_at", "last_followup_at", "updated_at",
    "created_at", "industry", "source", "province", "city", "county", "custom", "phone", "email", "business_unit",
]  # fmt: skip


def _cells(actor: User, customers: QuerySet[Customer], columns: Sequence[str]) -> Iterator[Sequence[Any]]:
    listed = [key for key in columns if key not in DIRECT]
    read = _Labels(columns)
    rows = customers.select_related(None).only(*FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        read.owners_of(chunk)
        if listed:
            column_cells(listed, chunk, actor.business_unit_id)
        plainly = services.customers_seen_plainly(actor, chunk)
        for customer in chunk:
            plain = customer.pk in plainly
            phone = customer.phone if plain else keys.mask_phone(customer.phone)
            email = customer.email if plain or not customer.email else keys.mask_email(customer.email)
            shown = {cell.key: cell.value for cell in customer.cells} if listed else {}  # type: ignore[attr-defined]
            cells = [read.value(customer, key) if key in DIRECT else str(shown[key]) for key in columns]
            yield (customer.name, *cells, phone, email)


class _Labels:
    """The direct columns' values of one export, each label worked out once: the same text the list shows
    (``preferences.column_cells``), dates as dates."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.statuses = {code: str(label) for code, label in Lifecycle.choices}
        self.industries = dictionary_labels("industry") if "industry" in columns else {}
        self.sources = dictionary_labels("customer_source") if "source" in columns else {}
        self.pool = str(_("Public pool"))
        self.owners: dict[int, str] = {}
        self.expiries: dict[tuple[bool, bool, int | None], str] = {}

    def owners_of(self, chunk: Sequence[Customer]) -> None:
        """The owners' names of a chunk, one query for those not met before (an owner holds many)."""
        missing = {customer.owner_id for customer in chunk if customer.owner_id} - set(self.owners)
        if missing:
            for owner in User.objects.filter(pk__in=missing).only("display_name", "username"):
                self.owners[owner.pk] = str(owner)

    def value(self, customer: Customer, key: str) -> Any:
        match key:
            case "number":
                return customer.number
            case "status":
                return self.statuses.get(customer.status, customer.status)
            case "level":
                return customer.level
            case "owner":
                return self.pool if customer.owner_id is None else self.owners[customer.owner_id]
            case "expiry":
                days = days_to_expiry(customer.expires_at, self.now)
                state = (customer.owner_id is None, customer.locked_at is not None, days)
                if state not in self.expiries:
                    self.expiries[state] = expiry_label(customer, self.now)
                return self.expiries[state]
            case "industry":
                return self.industries.get(customer.industry, customer.industry)
            case "source":
                return self.sources.get(customer.source, customer.source)
            case "updated":
                return customer.updated_at
            case "created":
                return timezone.localdate(customer.created_at, self.zone) if customer.created_at else None
            case "last_followup":
                last = customer.last_followup_at
                return timezone.localdate(last, self.zone) if last else None
        return ""


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
