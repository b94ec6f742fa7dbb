"""Churn and care (SPEC §10). Targets from the churn issue at a million customers: the churn sweep and the care
sweep ≤ 30 s each, training and scoring a unit ≤ 60 s (scoring) and 2 minutes (training), the churn inbox
p95 ≤ 100 ms. Each sweep runs in a transaction that is rolled back, so runs compare."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit
from guanxi.retention import risk
from guanxi.retention.care import care_scan
from guanxi.retention.models import ChurnAlert
from guanxi.retention.services import churn_scan

from .harness import NotBuilt, Picks, Probe, case, has_text, url

INBOX, SWEEP_MS, SCORING_MS = 100, 30_000, 60_000


class _Undo(Exception):
    pass


def _rolled_back(job: Callable[[], Any]) -> Any:
    try:
        with transaction.atomic():
            raise _Undo(job())
    except _Undo as undo:
        return undo.args[0]


@case("churn inbox p1 (manager)", target_ms=INBOX, group="retention")
def inbox_manager(picks: Picks) -> Probe:
    if not ChurnAlert.objects.exists():
        raise NotBuilt("churn alerts (the dataset's churn scan)")
    return Probe(picks.manager, url("retention:list"), check=has_text("churn-inbox"))


@case("churn inbox p1 (salesperson)", target_ms=INBOX, group="retention")
def inbox_salesperson(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("retention:list"))


@case("churn sweep (all won customers)", target_ms=SWEEP_MS, group="retention")
def churn_sweep(picks: Picks) -> Probe:
    won = Customer.objects.filter(status="won").count()
    if not won:
        raise NotBuilt("won customers")

    def run(n: int) -> str | None:
        totals = _rolled_back(lambda: churn_scan(timezone.now()))
        return None if totals["checked"] == won else f"checked {totals['checked']}, {won} are won"

    return Probe(picks.admin, f"churn_scan ({won:,} won customers)", run=run, repeat=3)


@case("care sweep (all rules)", target_ms=SWEEP_MS, group="retention")
def care_sweep(picks: Picks) -> Probe:
    def run(n: int) -> str | None:
        _rolled_back(lambda: care_scan(timezone.now()))
        return None

    return Probe(picks.admin, "care_scan", run=run, repeat=3)


@case("risk model: train and score the biggest unit", target_ms=SCORING_MS, group="retention")
def scoring(picks: Picks) -> Probe:
    unit = BusinessUnit.objects.filter(pk=picks.salesperson.business_unit_id or 0).first()
    if unit is None:
        raise NotBuilt("the salesperson's business unit")
    unit_id = unit.pk

    def run(n: int) -> str | None:
        def job() -> str | None:
            started = time.perf_counter()
            model = risk.train_unit(unit_id, timezone.now())
            trained = time.perf_counter()
            scored = risk.score_unit(model, timezone.now())
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
            print(
                f"    trained on {model.samples:,} customers ({model.positives:,} lost) in {trained - started:.1f} s "
                f"(target 120 s), AUC {model.auc or 0:.3f}; scored {scored:,} in {time.perf_counter() - trained:.1f} s;"
                f" process peak RSS {peak:.0f} MB (target: training ≤ 1 GB)",
                file=sys.stderr,
            )
            return None if model.ready and scored else f"not trained: {model.reason} ({model.samples} samples)"

        return _rolled_back(job)

    return Probe(picks.admin, "risk_train (one unit)", run=run, repeat=1)
