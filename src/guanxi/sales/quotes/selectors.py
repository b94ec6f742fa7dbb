"""Reads of quotes: the list, one quote, and the latest prices a customer was given (one company, one price)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import Quote, QuoteLine


def quote_list(*, actor: User, status: str = "", customer: int | None = None, q: str = "") -> QuerySet[Quote]:
    rows = Quote.objects.visible_to(actor).select_related("customer", "owner")
    if status:
        rows = rows.filter(status=status)
    if customer:
        rows = rows.filter(customer_id=customer)
    if q.strip():
        rows = rows.filter(number__istartswith=q.strip())
    return rows.order_by("-updated_at", "-id")


def quote_for_detail(*, actor: User, pk: int, editing: bool = False) -> Quote:
    """A quote to show (to its scope, and to whoever is asked to approve it) or, ``editing``, to change."""
    from guanxi.core.scope import get_readable_or_404, get_visible_or_404

    found = get_visible_or_404 if editing else get_readable_or_404
    return found(
        Quote.objects.select_related("customer", "contact", "opportunity", "owner", "business_unit", "previous"),
        actor,
        pk=pk,
    )


@dataclass(frozen=True)
class LastPrice:
    product_id: int
    unit_price: Decimal
    discount_percent: Decimal
    net_unit_price: Decimal
    quote_id: int
    quote_number: str
    quoted_by: str
    quoted_at: datetime


def last_prices(*, actor: User, customer_id: int, products: Iterable[int]) -> dict[int, LastPrice] | None:
    """For each product, the latest price anyone in the actor's unit gave this customer on a submitted quote
    (the lines' own index: customer, product, newest first). The customer must be within the actor's scope
    (None otherwise, for the caller to answer as for a missing one: the one look at the customer a request
    makes); the quotes need not be: the point is that the whole unit speaks with one price."""
    if not Customer.objects.visible_to(actor).filter(pk=customer_id).exists():
        return None
    wanted = list(dict.fromkeys(products))
    if not wanted:
        return {}
    # One query: per product, the newest submitted line (the index on customer, product, quoted_at).
    newest = Window(RowNumber(), partition_by=[F("product_id")], order_by=[F("quoted_at").desc(), F("id").desc()])
    lines = (
        QuoteLine.objects.filter(
            customer_id=customer_id,
            product_id__in=wanted,
            quoted_at__isnull=False,
            quote__business_unit_id=actor.business_unit_id,
        )
        .annotate(newest=newest)
        .filter(newest=1)
        .select_related("quote__owner")
    )
    return {
        line.product_id: LastPrice(
            line.product_id,
            line.unit_price,
            line.discount_percent,
            line.net_unit_price,
            line.quote_id,
            line.quote.number,
            str(line.quote.owner),
            line.quoted_at,  # type: ignore[arg-type]
        )
        for line in lines
    }
