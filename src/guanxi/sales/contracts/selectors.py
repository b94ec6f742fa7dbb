"""Reads of contracts: the list with its scenes and filters, one contract, a customer's or opportunity's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.org.models import User

from .models import DEAL_STATUSES, RUNNING_STATUSES, Contract, ContractStatus

EXPIRING_DAYS = 30
SCENES = {
    "": _("All I can see"),
    "mine": _("Mine"),
    "expiring": _("Ending within 30 days"),
    "pending": _("Waiting for approval"),
    "signed_month": _("Signed this month"),
}


def contract_list(*, actor: User, scene: str = "", filters: Mapping[str, Any] | None = None) -> QuerySet[Contract]:
    rows = Contract.objects.visible_to(actor).select_related("customer", "owner")
    today = timezone.localdate()
    if scene == "mine":
        rows = rows.filter(owner=actor)
    elif scene == "expiring":
        rows = rows.filter(
            status__in=RUNNING_STATUSES, end_on__gte=today, end_on__lte=today + timedelta(days=EXPIRING_DAYS)
        )
    elif scene == "pending":
        rows = rows.filter(Q(status=ContractStatus.PENDING) | Q(void_pending=True))
    elif scene == "signed_month":
        rows = rows.filter(signed_on__gte=today.replace(day=1), signed_on__lte=today)
    found = dict(filters or {})
    if found.get("status"):
        rows = rows.filter(status=found["status"])
    if found.get("signed_from"):
        rows = rows.filter(signed_on__gte=found["signed_from"])
    if found.get("signed_to"):
        rows = rows.filter(signed_on__lte=found["signed_to"])
    if found.get("ends_by"):
        rows = rows.filter(end_on__lte=found["ends_by"])
    for name in ("customer", "owner"):
        if found.get(name):
            rows = rows.filter(**{f"{name}_id": getattr(found[name], "pk", found[name])})
    if found.get("deals"):
        rows = rows.filter(status__in=DEAL_STATUSES)
    text = str(found.get("q") or "").strip()
    if text:
        rows = rows.filter(Q(number__istartswith=text) | Q(customer__name__startswith=text))
    if scene == "expiring":
        return rows.order_by("end_on", "id")
    return rows.order_by("-updated_at", "-id")


def contract_for_detail(*, actor: User, pk: int) -> Contract:
    from guanxi.core.scope import get_visible_or_404

    return get_visible_or_404(
        Contract.objects.select_related(
            "customer", "opportunity", "quote", "owner", "business_unit", "renews", "copied_from"
        ),
        actor,
        pk=pk,
    )
