"""The call centre's benchmark cases (tests/bench, not part of the suite) answer on a small dataset."""

import pytest
from django.conf import settings

from guanxi.calls.models import Extension
from tests.bench import dataset, dataset_calls, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


@postgres_only
def test_the_call_centre_cases_answer(db: None) -> None:
    dataset.load(dataset.Params(customers=2000, contacts=60_000, users=30, departments=5, leads=0), out=lambda _: None)
    dataset_calls.prepare(lambda _: None)
    dataset_calls.prepare(lambda _: None)  # idempotent
    assert Extension.objects.filter(user__username=dataset_calls.AGENT).count() == 1
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "calls"]
    assert len(chosen) == 6
    for case in chosen:
        result = harness.measure(case, picks, repeat=2, warmup=1)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
