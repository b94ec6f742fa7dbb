"""The nightly credit sweep (``guanxi jobs run credit_rate --at …``): every customer with a history rated as
of the moment from it, in batches by ranges of ids, each in its own transaction (a customer without any
contract, order or money is not rated and needs no row). Only what changed is
written (and locked), so a re-run (or a second worker) at the same moment changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job
from guanxi.customers.models import Customer
from guanxi.sales.contracts.models import DEAL_STATUSES as CONTRACT_DEALS
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import DEAL_STATUSES as ORDER_DEALS
from guanxi.sales.orders.models import Order

from ..models import Receivable
from .models import CustomerCredit
from .services import Rated, credits_rate

BATCH = 10000  # customer ids per batch (a range: its queries are index range scans)


@job("credit_rate")
def credit_rate(at: datetime) -> str:
    settings: dict[int, dict[str, Any]] = {}
    seen, changed = 0, 0
    top = Customer.all_objects.aggregate(top=Max("pk"))["top"] or 0
    for low in range(0, top + 1, BATCH):
        batch = _with_history(low, low + BATCH)
        if not batch:
            continue
        with transaction.atomic():
            changed += credits_rate(customers=batch, at=at, settings=settings, id_range=(low, low + BATCH))
        seen += len(batch)
    return f"{seen} customers rated, {changed} credit records changed"


def _with_history(low: int, high: int) -> list[Rated]:
    """The customers of the range with something to judge by (a deal, a contract, an order or money) or rated
    before; the others stay not rated, with their level's default limit, and cost nothing here."""
    within = {"customer_id__gte": low, "customer_id__lt": high}
    rows = (
        Customer.all_objects.filter(pk__gte=low, pk__lt=high, deleted_at__isnull=True)
        .filter(
            Q(last_order_at__isnull=False)
            | Q(pk__in=Receivable.objects.filter(**within).values("customer_id"))
            | Q(pk__in=Contract.objects.filter(status__in=CONTRACT_DEALS, **within).values("customer_id"))
            | Q(pk__in=Order.objects.filter(status__in=ORDER_DEALS, **within).values("customer_id"))
            | Q(pk__in=CustomerCredit.objects.filter(**within).values("customer_id"))
        )
        .order_by("pk")
        .values_list("pk", "business_unit_id", "level", "last_order_at", "credit_rating")
    )
    return [Rated(pk, unit, level or "", when is not None, shown or "") for pk, unit, level, when, shown in rows]


@db_periodic_task(crontab(minute="20", hour="0"))
def credit_rate_every_night() -> None:
    run_job("credit_rate")  # after the overdue sweep (00:05) has marked yesterday's instalments
