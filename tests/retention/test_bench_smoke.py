"""The churn and care rows of the benchmark dataset (tests/bench, not part of the suite) load, and their cases
answer correctly."""

import pytest
from django.conf import settings

from guanxi.customers.models import Customer
from guanxi.retention.models import CareRule, ChurnAlert
from tests.bench import dataset, dataset_retention, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=3000, contacts=3000, users=30, departments=5, opportunities=300)


@postgres_only
def test_the_benchmark_churn_and_care_rows_load_and_their_cases_answer(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    dataset_retention.prepare(lambda line: None)
    assert Customer.objects.filter(status="won").exists() and Customer.objects.filter(status="churned").exists()
    alerts, rules = ChurnAlert.objects.count(), CareRule.objects.count()
    assert alerts and rules
    dataset_retention.prepare(lambda line: None)  # idempotent
    assert (ChurnAlert.objects.count(), CareRule.objects.count()) == (alerts, rules)
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "retention"]
    assert len(chosen) == 6
    for case in chosen:
        result = harness.measure(case, picks, repeat=1, warmup=0)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
