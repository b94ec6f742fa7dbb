"""Contracts and orders (SPEC §7.3, §7.4). Targets from the contracts issue at 200,000 contracts and 400,000
orders: the lists p95 ≤ 100 ms, the 360 page's new tabs ≤ 100 ms, signing with the customer's lifecycle move
≤ 50 ms, the expiry sweep over every contract ≤ 10 s."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone

from guanxi.sales.contracts.models import Contract
from guanxi.sales.contracts.services import contract_sign, contracts_remind

from .harness import NotBuilt, Picks, Probe, case, has_text, url

LIST, SIGN, SWEEP_MS = 100, 50, 10_000


class _Undo(Exception):
    pass


@cache
def busiest_customer(picks: Picks) -> int:
    row = Contract.objects.filter(owner=picks.salesperson).values_list("customer_id", flat=True).order_by("-id").first()
    if row is None:
        raise NotBuilt("contracts of the salesperson (the dataset's contracts and orders)")
    return row


@case("contract list p1 (salesperson)", target_ms=LIST, group="contracts")
def contract_list_salesperson(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("sales:contracts"), check=has_text("contract-list"))


@case("contract list p1 (manager)", target_ms=LIST, group="contracts")
def contract_list_manager(picks: Picks) -> Probe:
    return Probe(picks.manager, url("sales:contracts"), check=has_text("contract-list"))


@case("contracts ending within 30 days (manager)", target_ms=LIST, group="contracts")
def contract_list_expiring(picks: Picks) -> Probe:
    return Probe(picks.manager, url("sales:contracts", scene="expiring"))


@case("order list p1 (manager)", target_ms=LIST, group="contracts")
def order_list_manager(picks: Picks) -> Probe:
    return Probe(picks.manager, url("sales:orders"), check=has_text("order-list"))


@case("customer 360 contracts tab (salesperson)", target_ms=LIST, group="contracts")
def customer_contracts(picks: Picks) -> Probe:
    pk = busiest_customer(picks)
    return Probe(picks.salesperson, url("sales:customer_contracts", pk), check=has_text("customer-contracts"))


@case("customer 360 orders tab (salesperson)", target_ms=LIST, group="contracts")
def customer_orders(picks: Picks) -> Probe:
    pk = busiest_customer(picks)
    return Probe(picks.salesperson, url("sales:customer_orders", pk), check=has_text("customer-orders"))


@case("sign a contract, the customer won (salesperson)", target_ms=SIGN, group="contracts")
def sign(picks: Picks) -> Probe:
    ids = list(
        Contract.objects.filter(owner=picks.salesperson, status="approved").order_by("pk").values_list("pk", flat=True)
    )
    if not ids:
        raise NotBuilt("approved contracts of the salesperson")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                signed = contract_sign(actor=picks.salesperson, contract=Contract(pk=ids[n % len(ids)]))
                raise _Undo(signed.status)
        except _Undo as undo:
            return None if undo.args[0] == "signed" else f"the contract is {undo.args[0]}"

    return Probe(picks.salesperson, "contract_sign", run=run, repeat=50)  # each signing is rolled back


@case("contract expiry reminder sweep (all contracts)", target_ms=SWEEP_MS, group="contracts")
def expiry_sweep(picks: Picks) -> Probe:
    today = timezone.localdate()
    due = Contract.objects.filter(
        status__in=["signed", "in_progress"], reminded_at__isnull=True, end_on__range=(today, today + timedelta(30))
    ).count()
    if not due:
        raise NotBuilt("contracts ending within 30 days")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                raise _Undo(contracts_remind(at=timezone.now()))
        except _Undo as undo:
            return None if undo.args[0] == due else f"reminded {undo.args[0]}, {due} were due"

    return Probe(picks.admin, f"contracts_daily ({due:,} due of {Contract.objects.count():,})", run=run, repeat=3)
