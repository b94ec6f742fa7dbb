"""The public pool (SPEC §3.2–3.3). Targets from the pool issue: the reclaim sweep over a million customers
(at least 5 % of them due) within 30 s, and a claim within 50 ms p95, on PostgreSQL.

The sweep is timed as a job, not a request: each run returns the due customers (and warns the owners of
those due within days) inside a transaction that is then rolled back, so every run finds the same work."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.pool.sweep import reclaim

from .dataset_pool import claimant
from .harness import Picks, Probe, case, url

SWEEP_MS, CLAIM_MS = 30_000, 50


class _Undo(Exception):
    pass


@cache
def pool_ids(picks: Picks) -> list[int]:
    """Pool customers for the claim case, a different one per request (the oldest arrivals first)."""
    rows = Customer.objects.filter(owner__isnull=True).order_by("pooled_at", "pk").values_list("pk", flat=True)
    return list(rows[:500])


@case("pool claim (salesperson)", target_ms=CLAIM_MS, group="pool")
def pool_claim(picks: Picks) -> Probe:
    ids = pool_ids(picks)
    return Probe(
        claimant(),
        url("pool:pool_claim_many"),
        method="post",
        data=lambda n: {"ids": str(ids[n]), "next": "/customers/pool/"},
        expect=302,
        check=_claimed,
    )


def _claimed(response: Any) -> str | None:
    from django.contrib import messages

    request = response.wsgi_request
    errors = [str(message) for message in messages.get_messages(request) if message.level == messages.ERROR]
    return f"the claim was refused: {errors[0]}" if errors else None


@case("pool reclaim sweep (all customers)", target_ms=SWEEP_MS, group="pool")
def pool_sweep(picks: Picks) -> Probe:
    total = Customer.objects.count()
    at = timezone.now()
    due = Customer.objects.filter(expires_at__lte=at, owner__isnull=False, locked_at__isnull=True).count()
    if due < total * 0.05:
        raise LookupError(f"only {due} of {total} customers are due: the dataset's pool part is missing")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                result = reclaim(at)
                raise _Undo(result.returned)
        except _Undo as undo:
            returned = int(undo.args[0])
        return None if returned == due else f"returned {returned} customers, {due} were due"

    return Probe(picks.admin, f"reclaim_pool ({due:,} of {total:,} due)", run=run, repeat=3)
