"""The nightly credit sweep (``guanxi jobs run credit_rate --at …``): every customer rated as of the moment
from its own payment history, in batches by ranges of ids, each in its own transaction. Only what changed is
written (and locked), so a re-run (or a second worker) at the same moment changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job
from guanxi.customers.models import Customer

from .services import Rated, credits_rate

BATCH = 10000  # customer ids per batch (a range: its queries are index range scans)


@job("credit_rate")
def credit_rate(at: datetime) -> str:
    settings: dict[int, dict[str, Any]] = {}
    seen, changed = 0, 0
    top = Customer.all_objects.aggregate(top=Max("pk"))["top"] or 0
    for low in range(0, top + 1, BATCH):
        rows = (
            Customer.all_objects.filter(pk__gte=low, pk__lt=low + BATCH, deleted_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "business_unit_id", "level", "last_order_at", "credit_rating")
        )
        batch = [Rated(pk, unit, level or "", when is not None, shown or "") for pk, unit, level, when, shown in rows]
        if not batch:
            continue
        with transaction.atomic():
            changed += credits_rate(customers=batch, at=at, settings=settings, id_range=(low, low + BATCH))
        seen += len(batch)
    return f"{seen} customers rated, {changed} credit records changed"


@db_periodic_task(crontab(minute="20", hour="0"))
def credit_rate_every_night() -> None:
    run_job("credit_rate")  # after the overdue sweep (00:05) has marked yesterday's instalments
