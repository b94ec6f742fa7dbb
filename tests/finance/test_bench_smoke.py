"""The money of the benchmark dataset (tests/bench, not part of the suite) loads keeping the models'
invariants, and its cases answer correctly."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import F, Sum

from guanxi.finance.models import Allocation, PaymentPlan, Receipt, Receivable
from tests.bench import dataset, dataset_finance, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=3000, contacts=3000, users=30, departments=5, opportunities=300)


@postgres_only
def test_the_benchmark_money_loads_and_its_cases_answer(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    dataset_finance.prepare(lambda line: None)
    receivables = Receivable.objects.count()
    assert receivables and PaymentPlan.objects.count() == 5 * receivables
    assert Receipt.objects.count() == Allocation.objects.count() > 0
    assert not Allocation.objects.exclude(received_on=F("receipt__received_on")).exists()
    assert not Receipt.objects.exclude(owner=F("receivable__owner")).exists()
    assert not Allocation.objects.exclude(owner=F("plan__owner")).exists()
    assert not Receivable.objects.filter(received__gt=F("amount")).exists()
    planned = PaymentPlan.objects.aggregate(total=Sum("amount"))["total"]
    assert planned == Receivable.objects.aggregate(total=Sum("amount"))["total"] > Decimal(0)
    dataset_finance.prepare(lambda line: None)  # idempotent
    assert Receivable.objects.count() == receivables
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "finance"]
    assert len(chosen) == 8
    for case in chosen:
        result = harness.measure(case, picks, repeat=2, warmup=1)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
        print(case.name, result.status, result.detail, result.samples_ms)
