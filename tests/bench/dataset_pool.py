"""The pool's part of the benchmark dataset (SPEC §3.2), added to a loaded dataset and idempotent: every
customer governed by its unit's pool, the owned ones claimed at a time that makes about 7 % of all
customers due for return (no deal for 90 days), the rest claimed within the last 29 days; their expiry
times computed as the app does; and the benchmark's claimant freed from the holding limit and the
daily cap, so that each timed claim is a real one."""

from __future__ import annotations

import time

from django.db import connection, transaction

from guanxi.core.models import ParameterValue
from guanxi.customers.models import Customer, HoldingLimit, Pool
from guanxi.customers.pool import pool_refresh_expiry, unit_pool
from guanxi.org.models import BusinessUnit

from .dataset import Out

DUE_SHARE = 0.1  # of the owned customers; won ones are exempt, so about 7 % of all customers are due


def prepare(out: Out) -> None:
    if not Customer.all_objects.filter(pool__isnull=True).exists():
        return
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for unit in BusinessUnit.objects.all():
            pool = unit_pool(unit.pk)
            cursor.execute(
                "UPDATE customers_customer SET pool_id = %s, "
                "pooled_at = CASE WHEN owner_id IS NULL THEN updated_at END, "
                "claimed_at = CASE WHEN owner_id IS NULL THEN NULL WHEN random() < %s "
                "  THEN now() - interval '92 days' - random() * interval '100 days' "
                "  ELSE now() - random() * interval '29 days' END "
                "WHERE business_unit_id = %s",
                [pool.pk, DUE_SHARE, unit.pk],
            )
            Pool.objects.filter(pk=pool.pk).update(rules_stamp="")
            pool.rules_stamp = ""
            pool_refresh_expiry(pool, force=True)
            # the claimant of the claim case (the busiest salesperson) may claim as many as the bench asks
            ParameterValue.objects.update_or_create(
                business_unit=unit, code="pool.daily_claims", defaults={"value": 10000}
            )
        from .harness import Picks

        HoldingLimit.objects.update_or_create(
            user=Picks().salesperson, defaults={"business_unit_id": unit.pk, "holding_limit": 100000}
        )
    with connection.cursor() as cursor:  # every row was rewritten: set the visibility map again (index-only scans)
        cursor.execute("VACUUM ANALYZE customers_customer")
    out(f"  pool: every customer in its unit's pool, expiry times computed in {time.monotonic() - started:.1f} s")
