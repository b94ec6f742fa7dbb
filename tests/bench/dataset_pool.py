"""The pool's part of the benchmark dataset (SPEC §3.2), added to a loaded dataset and idempotent: every
customer governed by its unit's pool, the owned ones claimed at a time that makes about 7 % of all
customers due for return (no deal for 90 days), the rest claimed within the last 29 days; their expiry
times as the app computes them (checked on a sample); and the claim case's claimant (the salesperson
holding the fewest customers) freed from the holding limit and the daily cap, so every timed claim is real.

One UPDATE over the whole table with its indexes set aside and rebuilt after, as the loader does: row by
row index maintenance would take many minutes at a million customers."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.db.models import Count

from guanxi.core.models import ParameterValue
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import BusinessUnit, User
from guanxi.pool.models import HoldingLimit, Pool
from guanxi.pool.services import expiry_of, pool_rules, unit_pool

from .dataset import Out, indexes_deferred, vacuum_swept

DUE_SHARE = 0.1  # of the owned customers; won ones are exempt, so about 7 % of all customers are due


def claimant() -> User:
    """Who claims in the claim case: the salesperson holding the fewest customers. (The busiest holds tens
    of thousands in a million, far past any holding limit; the limit check counts only as far as the
    limit, so a realistic holder is the fair measure.)"""
    lightest = (
        Customer.objects.filter(owner__roles__code="salesperson")
        .values("owner")
        .annotate(count=Count("id"))
        .order_by("count", "owner")
        .first()
    )
    if lightest is None:
        raise LookupError("the dataset has no salesperson who owns a customer")
    return User.objects.select_related("department").get(pk=lightest["owner"])


def _lift_the_holding_limits() -> None:
    """The generated salespeople hold thousands of customers each, far past the default limit of 200: the
    bench company allows each of them the parameter's maximum, so the claim and create cases measure the
    checks rather than a refusal."""
    for person in User.objects.filter(owned_customers__isnull=False).distinct():
        HoldingLimit.objects.update_or_create(
            user=person, defaults={"business_unit_id": person.business_unit_id, "holding_limit": 100000}
        )


def prepare(out: Out) -> None:
    if not Customer.all_objects.filter(pool__isnull=True).exists():
        _lift_the_holding_limits()
        _vacuum_after_earlier_runs(out)
        return
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        units = list(BusinessUnit.objects.all())
        pools = {unit.pk: unit_pool(unit.pk) for unit in units}
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the new pools' checks before altering tables
        with indexes_deferred(cursor, [Customer._meta.db_table], out):
            for unit in units:
                pool = pools[unit.pk]
                rules = pool_rules(pool)
                never = "NULL" if rules.won_exempt else "followup"
                cursor.execute(
                    f"""
                    UPDATE customers_customer c SET pool_id = %(pool)s, claimed_at = x.claimed,
                        pooled_at = CASE WHEN c.owner_id IS NULL THEN c.updated_at END,
                        expires_at = CASE
                            WHEN x.claimed IS NULL THEN NULL
                            WHEN c.status = %(won)s THEN {never}
                            WHEN c.status = %(churned)s THEN followup
                            ELSE LEAST(followup, x.claimed + %(deal)s * interval '1 day') END
                    FROM (
                        SELECT id, claimed, GREATEST(claimed, COALESCE(last_followup_at, claimed))
                            + %(followup)s * interval '1 day' AS followup
                        FROM (
                            SELECT id, last_followup_at, CASE WHEN owner_id IS NULL THEN NULL
                                WHEN id %% 1000 < %(due)s
                                    THEN now() - interval '92 days' - random() * interval '100 days'
                                ELSE now() - random() * interval '29 days' END AS claimed
                            FROM customers_customer WHERE business_unit_id = %(unit)s
                        ) claims
                    ) x
                    WHERE c.id = x.id
                    """,
                    {
                        "pool": pool.pk,
                        "unit": unit.pk,
                        "due": round(DUE_SHARE * 1000),  # every tenth of the ids: the same share at any size
                        "won": Lifecycle.WON,
                        "churned": Lifecycle.CHURNED,
                        "followup": rules.no_followup_days + 1,
                        "deal": rules.no_deal_days + 1,
                    },
                )
                Pool.objects.filter(pk=pool.pk).update(rules_stamp=rules.stamp)
                ParameterValue.objects.update_or_create(
                    business_unit=unit, code="pool.daily_claims", defaults={"value": 10000}
                )
        for row in Customer.objects.filter(owner__isnull=False).select_related("pool").order_by("?")[:200]:
            assert row.pool is not None
            expected = expiry_of(row, pool_rules(row.pool))
            if row.expires_at != expected:
                raise AssertionError(f"customer {row.pk}: expires {row.expires_at}, the app says {expected}")
        _lift_the_holding_limits()
    with connection.cursor() as cursor:  # every row was rewritten: set the visibility map again (index-only scans)
        cursor.execute("VACUUM ANALYZE customers_customer")
    out(f"  pool: every customer in its unit's pool, expiry times set, in {time.monotonic() - started:.1f} s")


SWEPT_TABLES = [
    "customers_customer", "activities_plan", "core_auditentry", "customers_poolevent", "customers_poolwarning",
    "core_notification",
]  # fmt: skip
REWRITTEN_TABLES = {"customers_customer", "activities_plan"}  # the sweep rewrites 7 % of their rows


def _vacuum_after_earlier_runs(out: Out) -> None:
    """The sweep case rolls its work back, so every run finds the same work; but each run leaves dead row
    versions in every table it wrote, and the index pages their entries split stay behind after a vacuum
    (three runs double the customer table's indexes). Vacuum those tables and rebuild the indexes of the
    two it rewrites, so every run measures the dataset as loaded rather than the leftovers of earlier runs.
    (A live system's autovacuum keeps such bloat at a steady level; its sweeps return far fewer customers.)"""
    vacuum_swept(out, "pool", SWEPT_TABLES, REWRITTEN_TABLES)
