"""The activities part of the benchmark dataset (tests/bench) loads, consistent with the customers."""

import pytest
from django.conf import settings
from django.db.models import F, Min

from guanxi.activities.models import FollowUp, Plan
from guanxi.customers.models import Customer
from tests.bench import dataset, dataset_activities

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)

SMALL = dataset.Params(customers=300, contacts=400, users=30, departments=5)


@postgres_only
def test_follow_ups_and_plans_load_and_the_next_follow_up_is_the_earliest_open_plan(db: None) -> None:
    dataset.load(SMALL, out=lambda line: None)

    followups, plans = dataset_activities.load(SMALL, out=lambda line: None)

    assert FollowUp.all_objects.count() == followups > 300 * 3
    assert (
        Plan.objects.filter(status="open").count() == plans >= Customer.objects.exclude(next_followup_at=None).count()
    )
    assert not Plan.objects.filter(customer__next_followup_at=None).exists()
    assert not Plan.objects.exclude(owner=F("customer__owner")).exists()  # each plan is its owner's
    for customer in Customer.objects.exclude(next_followup_at=None)[:50]:
        earliest = Plan.objects.filter(customer=customer, status="open").aggregate(at=Min("due_at"))["at"]
        assert customer.next_followup_at == earliest
    assert dataset_activities.loaded()
