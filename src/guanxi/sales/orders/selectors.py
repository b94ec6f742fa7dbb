"""Reads of orders: the list with its scenes and filters, one order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from guanxi.org.models import User

from .models import DEAL_STATUSES, Order, OrderStatus

SCENES = {
    "": _("All I can see"),
    "mine": _("Mine"),
    "open": _("To deliver"),
}


def order_list(*, actor: User, scene: str = "", filters: Mapping[str, Any] | None = None) -> QuerySet[Order]:
    rows = Order.objects.visible_to(actor).select_related("customer", "owner")
    if scene == "mine":
        rows = rows.filter(owner=actor)
    elif scene == "open":
        rows = rows.filter(status__in=[OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED])
    found = dict(filters or {})
    if found.get("status"):
        rows = rows.filter(status=found["status"])
    if found.get("ordered_from"):
        rows = rows.filter(ordered_on__gte=found["ordered_from"])
    if found.get("ordered_to"):
        rows = rows.filter(ordered_on__lte=found["ordered_to"])
    for name in ("customer", "contract", "opportunity", "owner"):
        if found.get(name):
            rows = rows.filter(**{f"{name}_id": getattr(found[name], "pk", found[name])})
    if found.get("deals"):
        rows = rows.filter(status__in=DEAL_STATUSES)
    text = str(found.get("q") or "").strip()
    if text:
        rows = rows.filter(Q(number__istartswith=text) | Q(customer__name__startswith=text))
    return rows.order_by("-updated_at", "-id")


def order_for_detail(*, actor: User, pk: int) -> Order:
    from guanxi.core.scope import get_visible_or_404

    return get_visible_or_404(
        Order.objects.select_related("customer", "contract", "quote", "opportunity", "owner"), actor, pk=pk
    )
