"""The nightly credit sweep (``guanxi jobs run credit_rate --at …``): every customer rated as of the moment
from its own payment history, in keyset batches by id, each batch in its own transaction with its credit rows
locked. Only what changed is written, so a re-run (or a second worker) at the same moment changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job
from guanxi.customers.models import Customer

from .services import Rated, credits_rate

BATCH = 2000


@job("credit_rate")
def credit_rate(at: datetime) -> str:
    settings: dict[int, dict[str, Any]] = {}
    last, seen, changed = 0, 0, 0
    while True:
        rows = list(
            Customer.all_objects.filter(pk__gt=last, deleted_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "business_unit_id", "level", "last_order_at", "credit_rating")[:BATCH]
        )
        if not rows:
            break
        batch = [Rated(pk, unit, level or "", when is not None, shown or "") for pk, unit, level, when, shown in rows]
        with transaction.atomic():
            changed += credits_rate(customers=batch, at=at, settings=settings)
        seen += len(rows)
        last = rows[-1][0]
    return f"{seen} customers rated, {changed} credit records changed"


@db_periodic_task(crontab(minute="20", hour="0"))
def credit_rate_every_night() -> None:
    run_job("credit_rate")  # after the overdue sweep (00:05) has marked yesterday's instalments
