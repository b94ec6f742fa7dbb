"""The marketing rows of the benchmark dataset (tests/bench, not part of the suite) load, and their cases
answer correctly."""

import pytest
from django.conf import settings

from guanxi.marketing.campaigns.models import Campaign, CampaignMember, CampaignResult
from tests.bench import dataset, dataset_marketing, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=3000, contacts=3000, users=30, departments=5, opportunities=300, leads=1000)


@postgres_only
def test_the_benchmark_marketing_rows_load_and_their_cases_answer(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    dataset_marketing.prepare(lambda line: None, campaigns=50, audience=2000)
    counts = (Campaign.objects.count(), CampaignMember.objects.count())
    assert counts[0] == 51 and counts[1] > 1000
    assert CampaignResult.objects.filter(stale=False).count() == 51 * 2  # the nightly rebuild, both models
    dataset_marketing.prepare(lambda line: None, campaigns=50, audience=2000)  # idempotent
    assert (Campaign.objects.count(), CampaignMember.objects.count()) == counts
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "marketing"]
    assert len(chosen) == 4
    for case in chosen:
        result = harness.measure(case, picks, repeat=1, warmup=0)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
