"""The customer list's rows and the key-customer star, written out in Python.

A list page draws 25 rows of a dozen cells each. Through the template engine (a loop, three includes per row)
they cost about 20 ms of every page; ``format_html`` writes the same markup in well under one (the
request-cost issue). The markup is the one the templates had, so the pages and their tests are unchanged."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import Customer
from ..preferences import Cell, Expiry

EMPTY = "—"


def star_form(customer_pk: int, *, starred: bool, csrf_token: str, next_url: str = "") -> SafeString:
    """The key-customer star of one customer: a small POST form that htmx swaps in place."""
    action = reverse("customers:star", args=[customer_pk])
    title = _("Remove from my key customers") if starred else _("Add to my key customers")
    return format_html(
        '<form method="post" action="{action}" class="d-inline star-form" hx-post="{action}" hx-swap="outerHTML"'
        ' hx-target="this"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">{next}'
        '<button type="submit" class="btn btn-ghost-secondary btn-icon btn-sm star{starred}"'
        ' aria-pressed="{pressed}" data-testid="star-{pk}" title="{title}">'
        '<i class="ti text-yellow {icon}" aria-hidden="true"></i><span class="visually-hidden">{title}</span>'
        "</button></form>",
        action=action,
        token=csrf_token,
        next=format_html('<input type="hidden" name="next" value="{}">', next_url) if next_url else "",
        starred=" starred" if starred else "",
        pressed="true" if starred else "false",
        pk=customer_pk,
        title=title,
        icon="ti-star-filled" if starred else "ti-star",
    )


def table_rows(customers: Iterable[Customer], *, selectable: bool, csrf_token: str, next_url: str) -> SafeString:
    """The table's body rows: the bulk checkbox (when the user has bulk actions), the star, the name and the
    chosen columns (``preferences.column_cells`` has set ``customer.cells`` and ``customer.starred``)."""
    return format_html_join(
        "\n",
        '<tr>{}<td>{}</td><td class="cell-name"><a href="{}">{}</a></td>{}</tr>',
        (
            (
                _checkbox(customer) if selectable else "",
                star_form(customer.pk, starred=customer.starred, csrf_token=csrf_token, next_url=next_url),  # type: ignore[attr-defined]
                customer.get_absolute_url(),
                customer.name,
                format_html_join("", "{}", ((_cell(customer, cell),) for cell in customer.cells)),  # type: ignore[attr-defined]
            )
            for customer in customers
        ),
    )


def _checkbox(customer: Customer) -> SafeString:
    return format_html(
        '<td><input type="checkbox" class="form-check-input" name="ids" value="{}" form="bulk-form" data-row-select'
        ' aria-label="{}"></td>',
        customer.pk,
        _("Select %(name)s") % {"name": customer.name},
    )


def _cell(customer: Customer, cell: Cell) -> SafeString:
    if cell.key == "status":
        content = format_html('<span class="badge {}">{}</span>', customer.status_badge, customer.get_status_display())
    elif cell.key == "expiry":
        content = expiry_span(cell.value)
    else:
        content = format_html("{}", cell.value or EMPTY)
    return format_html('<td class="{}">{}</td>', cell.css, content)


def expiry_span(expiry: Expiry) -> SafeString:
    """Days to expiry (距到期天数): red within three days, grey when no clock runs ("locked", "exempt")."""
    if not expiry.label:
        return format_html("{}", EMPTY)
    if expiry.days is None:
        css = "text-secondary"
    elif expiry.days <= 3:
        css = "text-danger fw-bold"
    else:
        css = ""
    return format_html('<span class="{}">{}</span>', css, expiry.label)
