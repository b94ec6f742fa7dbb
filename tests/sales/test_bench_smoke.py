"""The sales part of the benchmark dataset (tests/bench, not part of the suite) loads, keeps the model's
invariants, and its cases answer correctly."""

import pytest
from django.conf import settings
from django.db.models import F

from guanxi.sales.models import Opportunity, Stage, StageChange
from tests.bench import cases_sales as cases
from tests.bench import dataset, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=600, contacts=900, users=30, departments=5, opportunities=900)


@postgres_only
def test_the_benchmark_opportunities_load_over_every_stage_keeping_the_invariants(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)

    assert Opportunity.all_objects.count() == StageChange.objects.count() == 900
    assert not Stage.objects.filter(pipeline__code__in=["project", "dealership"], opportunities__isnull=True).exists()
    # an open stage holds exactly the open opportunities (what the board relies on)
    assert not Opportunity.objects.filter(stage__kind="open").exclude(status="open").exists()
    assert not Opportunity.objects.filter(status="open").exclude(stage__kind="open").exists()
    assert not Opportunity.objects.exclude(owner=F("customer__owner")).exists()
    # new rows get fresh ids after the COPY
    assert StageChange.objects.order_by("-pk").values_list("pk", flat=True)[0] == 900


@postgres_only
def test_the_sales_benchmark_cases_answer_correctly(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "sales"]
    assert len(chosen) >= 9
    for case in chosen:
        result = harness.measure(case, picks, repeat=2, warmup=1)
        assert result.status in {"PASS", "FAIL", "measured"}, (case.name, result.detail)
    opportunity, stages = cases.movable(picks)
    opportunity.refresh_from_db()
    assert opportunity.stage in stages
