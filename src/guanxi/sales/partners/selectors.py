"""What a channel partner brought, as the actor may see it: every figure and list starts from the gate of its
own records (customers, opportunities, orders), so a salesperson sees the partner's deals they may see."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum

from guanxi.core.permissions import has_perm
from guanxi.customers.models import Customer, Lifecycle

from ..models import Opportunity, Status
from ..orders.models import DEAL_STATUSES, Order

if TYPE_CHECKING:
    from guanxi.org.models import User

SECTIONS = ("customers", "opportunities", "orders")


@dataclass(frozen=True)
class PartnerSummary:
    customers: int
    won_customers: int
    open_opportunities: int | None  # None: the actor may not see opportunities
    open_amount: Decimal
    won_opportunities: int | None
    won_amount: Decimal
    orders: int | None  # None: the actor may not see orders
    order_total: Decimal
    received: Decimal


def brought_customers(*, actor: User, partner: Customer) -> QuerySet[Customer]:
    return Customer.objects.visible_to(actor).filter(partner=partner).select_related("owner")


def brought_opportunities(*, actor: User, partner: Customer) -> QuerySet[Opportunity]:
    if not has_perm(actor, "opportunities.view"):
        return Opportunity.objects.none()
    rows = Opportunity.objects.visible_to(actor).filter(customer__partner=partner)
    return rows.select_related("customer", "owner", "stage")


def brought_orders(*, actor: User, partner: Customer) -> QuerySet[Order]:
    if not has_perm(actor, "orders.view"):
        return Order.objects.none()
    return Order.objects.visible_to(actor).filter(customer__partner=partner).select_related("customer", "owner")


def partner_summary(*, actor: User, partner: Customer) -> PartnerSummary:
    """Three aggregate queries, whatever the partner brought."""
    customers = brought_customers(actor=actor, partner=partner).aggregate(
        count=Count("pk"), won=Count("pk", filter=Q(status=Lifecycle.WON))
    )
    zero = Decimal("0")
    opportunities: dict[str, object] = {}
    if has_perm(actor, "opportunities.view"):
        opportunities = brought_opportunities(actor=actor, partner=partner).aggregate(
            open=Count("pk", filter=Q(status=Status.OPEN)),
            open_amount=Sum("amount", filter=Q(status=Status.OPEN)),
            won=Count("pk", filter=Q(status=Status.WON)),
            won_amount=Sum("amount", filter=Q(status=Status.WON)),
        )
    orders: dict[str, object] = {}
    if has_perm(actor, "orders.view"):
        orders = (
            brought_orders(actor=actor, partner=partner)
            .filter(status__in=DEAL_STATUSES)
            .aggregate(count=Count("pk"), total=Sum("total"), received=Sum("received_amount"))
        )
    return PartnerSummary(
        customers=int(customers["count"] or 0),
        won_customers=int(customers["won"] or 0),
        open_opportunities=opportunities.get("open") if opportunities else None,  # type: ignore[arg-type]
        open_amount=opportunities.get("open_amount") or zero,  # type: ignore[arg-type]
        won_opportunities=opportunities.get("won") if opportunities else None,  # type: ignore[arg-type]
        won_amount=opportunities.get("won_amount") or zero,  # type: ignore[arg-type]
        orders=orders.get("count") if orders else None,  # type: ignore[arg-type]
        order_total=orders.get("total") or zero,  # type: ignore[arg-type]
        received=orders.get("received") or zero,  # type: ignore[arg-type]
    )


def section_rows(*, actor: User, partner: Customer, section: str) -> QuerySet[Any]:
    """One list of the tab, in its order (newest first; customers by name)."""
    if section == "opportunities":
        return brought_opportunities(actor=actor, partner=partner).order_by("-updated_at", "-pk")
    if section == "orders":
        return brought_orders(actor=actor, partner=partner).order_by("-ordered_on", "-pk")
    return brought_customers(actor=actor, partner=partner).order_by("name_pinyin", "pk")


def is_partner(customer: Customer) -> bool:
    return customer.kind == Customer.Kind.PARTNER
