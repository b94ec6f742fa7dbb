"""The portal's benchmark dataset (tests/bench, not part of the suite) loads, and its cases answer correctly."""

import pytest
from django.conf import settings

from guanxi.customers.models import Customer
from guanxi.portal.models import PartnerMember
from tests.bench import dataset, dataset_portal, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=3000, contacts=3000, users=30, departments=5)


@postgres_only
def test_the_portal_benchmark_loads_and_its_cases_answer(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    dataset_portal.prepare(lambda line: None)
    member = PartnerMember.objects.get(user__username=dataset_portal.USERNAME)
    brought = Customer.objects.filter(partner=member.partner).count()
    assert brought > 1000
    dataset_portal.prepare(lambda line: None)  # idempotent
    assert PartnerMember.objects.count() == 1
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "portal"]
    assert len(chosen) == 5
    for case in chosen:
        result = harness.measure(case, picks, repeat=2, warmup=1)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
        assert "wrong" not in result.detail and "does not show" not in result.detail, (case.name, result.detail)
