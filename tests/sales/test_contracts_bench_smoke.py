"""The contracts and orders of the benchmark dataset (tests/bench, not part of the suite) load keeping the
models' invariants, and their cases answer correctly."""

import pytest
from django.conf import settings
from django.db.models import F

from guanxi.sales.models import Contract, Order, OrderLine
from tests.bench import dataset, dataset_contracts, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=3000, contacts=3000, users=30, departments=5, opportunities=300)


@postgres_only
def test_the_benchmark_contracts_and_orders_load_and_their_cases_answer(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    dataset_contracts.prepare(lambda line: None)
    assert Contract.all_objects.count() == 600 and Order.all_objects.count() == 1200
    assert OrderLine.objects.count() == 2400
    assert not Contract.objects.filter(end_on__lte=F("start_on")).exists()
    assert not Order.objects.exclude(customer_id=F("contract__customer_id")).exists()
    assert not OrderLine.objects.filter(delivered_quantity__gt=F("quantity")).exists()
    dataset_contracts.prepare(lambda line: None)  # idempotent
    assert Contract.all_objects.count() == 600
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "contracts"]
    assert len(chosen) == 8
    for case in chosen:
        result = harness.measure(case, picks, repeat=2, warmup=1)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
    assert Contract.objects.filter(status="signed", signed_on__isnull=False).exists()
