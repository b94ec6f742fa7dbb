"""The analytics benchmark cases (tests/bench, not part of the suite) answer correctly on a small dataset."""

import pytest
from django.conf import settings

from guanxi.analytics.models import Target
from tests.bench import dataset, dataset_analytics, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=600, contacts=900, users=30, departments=5, opportunities=900)


@postgres_only
def test_the_analytics_benchmark_cases_answer_correctly(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    dataset_analytics.prepare(lambda line: None)
    assert Target.objects.filter(user__isnull=False).exists()
    count = Target.objects.count()
    dataset_analytics.prepare(lambda line: None)
    assert Target.objects.count() == count  # once
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "analytics"]
    assert len(chosen) >= 30
    for case in chosen:
        result = harness.measure(case, picks, repeat=1, warmup=0)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
