"""Lead pools and the viewing limit (issue 28). Targets: the lead-pool list ≤ 100 ms p95, a claim ≤ 20 ms p95,
the lead reclaim sweep ≤ 30 s, and the viewing-limit check ≤ 2 ms added to a pool customer's page.

The sweep is timed as a job inside a transaction that is rolled back, so every run finds the same work; the
viewing check likewise runs the check alone (one query and one insert) for a different customer each time."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.leads.models import OPEN_STATUSES, Lead
from guanxi.leads.pools.sweep import reclaim

from .harness import Picks, Probe, case, url

LIST, CLAIM, SWEEP, VIEW = 100, 20, 30_000, 2


class _Undo(Exception):
    pass


@cache
def pooled_ids(picks: Picks) -> list[int]:
    rows = Lead.objects.filter(owner__isnull=True, pool__isnull=False, pool__is_failed=False, status__in=OPEN_STATUSES)
    return list(rows.order_by("pooled_at", "pk").values_list("pk", flat=True)[:500])


@case("lead pool list p1 (salesperson)", target_ms=LIST, group="leads")
def lead_pool_list(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("leads:pools"))


@case("lead claim (salesperson)", target_ms=CLAIM, group="leads")
def lead_claim(picks: Picks) -> Probe:
    from .dataset_pool import claimant

    ids = pooled_ids(picks)
    if not ids:
        raise LookupError("the dataset has no pooled leads: its lead-pool part is missing")
    pool_id = Lead.objects.filter(pk=ids[0]).values_list("pool_id", flat=True).get()
    return Probe(
        claimant(),
        url("leads:pool_act", pool_id),
        method="post",
        data=lambda n: {"action": "claim", "ids": str(ids[n]), "next": "/leads/pools/"},
        expect=302,
        check=_claimed,
    )


def _claimed(response: Any) -> str | None:
    from django.contrib import messages

    request = response.wsgi_request
    errors = [str(message) for message in messages.get_messages(request) if message.level == messages.ERROR]
    return f"the claim was refused: {errors[0]}" if errors else None


@case("lead reclaim sweep (all leads)", target_ms=SWEEP, group="leads")
def lead_sweep(picks: Picks) -> Probe:
    at = timezone.now()
    due = Lead.objects.filter(
        expires_at__lte=at, owner__isnull=False, status__in=OPEN_STATUSES, pool__isnull=False
    ).count()
    if not due:
        raise LookupError("no lead is due: the dataset's lead-pool part is missing")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                raise _Undo(reclaim(at))
        except _Undo as undo:
            returned = int(undo.args[0])
        return None if returned == due else f"returned {returned} leads, {due} were due"

    return Probe(picks.admin, f"reclaim_leads ({due:,} due)", run=run, repeat=3)


@cache
def pool_customer_ids() -> list[int]:
    return list(Customer.objects.filter(owner__isnull=True, pool__isnull=False).values_list("pk", flat=True)[:2000])


@case("viewing-limit check (salesperson, a new pool customer)", target_ms=VIEW, group="pool")
def viewing_check(picks: Picks) -> Probe:
    from guanxi.pool.models import ViewLimit

    ids = pool_customer_ids()
    if not ids:
        raise LookupError("the dataset has no pool customers")
    person = picks.salesperson
    ViewLimit.objects.update_or_create(
        business_unit_id=person.business_unit_id, user=person, defaults={"daily_views": 1_000_000}
    )

    customers: list[Any] = list(
        Customer.objects.only("pk", "owner_id", "pool_id", "business_unit_id").filter(pk__in=ids)
    )
    from guanxi.pool import viewing

    viewing.daily_views_of(person)  # the person's roles and grants, loaded once per request anyway

    def run(n: int) -> str | None:
        customer = customers[n % len(customers)]
        try:
            with transaction.atomic():
                viewing.customer_viewed(actor=person, customer=customer)
                raise _Undo
        except _Undo:
            return None

    return Probe(person, "viewing-limit check", run=run)
