"""Money (SPEC §8). Targets from the money issue at 1,000,000 payment plans, 800,000 receipts and 300,000
invoices: the receivables ageing report for the whole company ≤ 500 ms p95 and for a salesperson ≤ 100 ms;
receipt approval with its allocation ≤ 50 ms; the overdue sweep ≤ 10 s. Customer credit (issue 27): the credit
sweep over every customer (1,000,000 with their plans and receipts) ≤ 60 s, measured as its first run (every
row written, rolled back each time); the available credit beside the order form ≤ 100 ms p95."""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guanxi.core.jobs import run_job
from guanxi.finance import tasks
from guanxi.finance.models import PaymentPlan, Receipt, Receivable
from guanxi.finance.services.receipts import _approved
from guanxi.workflows.models import ApprovalRequest

from .dataset_finance import vacuum_after_earlier_runs
from .harness import NotBuilt, Picks, Probe, case, has_text, url

COMPANY, SALESPERSON, APPROVE, SWEEP_MS = 500, 100, 50, 10_000
CREDIT_SWEEP_MS, CREDIT_PANEL = 60_000, 100


class _Undo(Exception):
    pass


@case("receivables ageing, whole company (group admin)", target_ms=COMPANY, group="finance")
def ageing_company(picks: Picks) -> Probe:
    if not Receivable.objects.exists():
        raise NotBuilt("receivables (dataset_finance)")
    _as_autovacuum_leaves_them()
    return Probe(picks.admin, url("finance:receivables"), check=has_text("receivable-totals"))


@case("receivables ageing (salesperson)", target_ms=SALESPERSON, group="finance")
def ageing_salesperson(picks: Picks) -> Probe:
    _as_autovacuum_leaves_them()
    return Probe(picks.salesperson, url("finance:receivables"), check=has_text("receivable-totals"))


@case("receivables ageing as of 90 days ago, by contract (salesperson)", target_ms=SALESPERSON, group="finance")
def ageing_salesperson_past(picks: Picks) -> Probe:
    day = (timezone.localdate() - timedelta(days=90)).isoformat()
    _as_autovacuum_leaves_them()
    return Probe(
        picks.salesperson, url("finance:receivables", as_of=day, by="record"), check=has_text("receivable-totals")
    )


def _as_autovacuum_leaves_them() -> None:
    """The reports read the plans through index-only scans: the overdue sweep of an earlier run (rolled back)
    left their pages marked as not all-visible, so each row was read from the table as well (50 ms instead of
    25 for one salesperson's plans). A live system's autovacuum clears that; a run with --no-prepare did not."""
    vacuum_after_earlier_runs(lambda line: print(f"    {line}", file=sys.stderr))


@case("approve a receipt, allocated to the plans (finance)", target_ms=APPROVE, group="finance")
def approve(picks: Picks) -> Probe:
    """The approval's own work (the callback the engine runs when finance approves): the conditional update of
    the receivable, the allocation over the open plans, the status; each run rolled back."""
    open_ = list(
        Receivable.objects.filter(owner=picks.salesperson, received__lt=F("amount"))
        .order_by("pk").values_list("pk", "amount", "received")[:50]
    )  # fmt: skip
    if not open_:
        raise NotBuilt("receivables of the salesperson with money outstanding")

    def run(n: int) -> str | None:
        pk, amount, received = open_[n % len(open_)]
        part = min(amount - received, (amount / 10).quantize(Decimal("0.01")))
        try:
            with transaction.atomic():
                unit, customer = Receivable.objects.values_list("business_unit_id", "customer_id").get(pk=pk)
                receipt = Receipt.objects.create(
                    business_unit_id=unit, receivable_id=pk, customer_id=customer, owner=picks.salesperson,
                    number=f"BENCH{n}", received_on=timezone.localdate(), amount=part, method="transfer",
                    status="pending",
                )  # fmt: skip
                request = ApprovalRequest(object_id=str(receipt.pk))
                _approved(request, picks.admin, "")
                raise _Undo(Receipt.objects.get(pk=receipt.pk).status, receipt.allocations.count())
        except _Undo as undo:
            return None if undo.args[0] == "approved" and undo.args[1] > 0 else f"{undo.args}"

    return Probe(picks.admin, "receipt approval", run=run, repeat=50)


@case("overdue sweep (all plans)", target_ms=SWEEP_MS, group="finance")
def overdue_sweep(picks: Picks) -> Probe:
    at = timezone.now()
    due = PaymentPlan.objects.filter(tasks.due(at)).count()
    if not due:
        raise NotBuilt("unpaid instalments past their date")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                raise _Undo(run_job("payments_overdue", at=at))
        except _Undo as undo:
            return None if undo.args[0] == f"{due} payment plans overdue" else f"{undo.args[0]}, {due} were due"

    return Probe(picks.admin, f"payments_overdue ({due:,} due of {PaymentPlan.objects.count():,})", run=run, repeat=3)


def _numbers(summary: str) -> tuple[int, int]:
    """(customers rated, rows changed) of the sweep's summary line."""
    words = summary.split()
    return int(words[0]), int(words[3])


@case("credit sweep (every customer, first run)", target_ms=CREDIT_SWEEP_MS, group="finance")
def credit_sweep(picks: Picks) -> Probe:
    """Every row written, as on the first night (rolled back each time): the customers with a history are
    rated, the others need nothing."""
    from guanxi.customers.models import Customer

    customers = Customer.objects.count()
    if not Receivable.objects.exists():
        raise NotBuilt("receivables (dataset_finance)")

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                from guanxi.finance.credit.models import CustomerCredit

                CustomerCredit.objects.all().delete()
                raise _Undo(run_job("credit_rate", at=timezone.now()))
        except _Undo as undo:
            rated, changed = _numbers(str(undo.args[0]))
            return None if rated and rated == changed else str(undo.args[0])

    return Probe(picks.admin, f"credit_rate ({customers:,} customers)", run=run, repeat=2)


@case("credit sweep (every customer, the next night)", target_ms=CREDIT_SWEEP_MS, group="finance")
def credit_sweep_nightly(picks: Picks) -> Probe:
    """A night after a first run (done here once, kept): only the ratings that moved with the clock are
    written (rolled back each time)."""
    from guanxi.finance.credit.models import CustomerCredit

    if not Receivable.objects.exists():
        raise NotBuilt("receivables (dataset_finance)")
    if not CustomerCredit.objects.exists():
        run_job("credit_rate", at=timezone.now())
    tomorrow = timezone.now() + timedelta(days=1)

    def run(n: int) -> str | None:
        try:
            with transaction.atomic():
                raise _Undo(run_job("credit_rate", at=tomorrow))
        except _Undo as undo:
            rated, changed = _numbers(str(undo.args[0]))
            return None if rated and changed <= rated else str(undo.args[0])

    return Probe(picks.admin, f"credit_rate ({CustomerCredit.objects.count():,} rated)", run=run, repeat=2)


@case("available credit beside the order form (salesperson)", target_ms=CREDIT_PANEL, group="finance")
def credit_panel(picks: Picks) -> Probe:
    customer_id = (
        Receivable.objects.filter(owner=picks.salesperson).order_by("-amount").values_list("customer_id", flat=True)
        .first()
    )  # fmt: skip
    if customer_id is None:
        raise NotBuilt("receivables of the salesperson")
    return Probe(
        picks.salesperson,
        url("finance:credit_panel", "customers.customer", customer_id),
        check=has_text("credit-available"),
    )
