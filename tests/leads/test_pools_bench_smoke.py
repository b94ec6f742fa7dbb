"""The lead pools' part of the benchmark dataset loads, and its cases answer correctly at a small scale."""

import pytest
from django.conf import settings

from guanxi.customers.models import Customer
from guanxi.leads.models import OPEN_STATUSES, Lead, LeadPool
from guanxi.pool import services as pool_services
from guanxi.pool.models import PoolView
from tests.bench import dataset, harness

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


@postgres_only
def test_the_lead_pool_cases_answer_on_a_small_dataset(db: None) -> None:
    dataset.load(dataset.Params(customers=400, contacts=400, users=30, departments=5, leads=600), out=lambda _: None)
    pool = LeadPool.objects.get(is_failed=False)
    waiting = Lead.objects.filter(pool=pool, owner__isnull=True, status__in=OPEN_STATUSES)
    assert waiting.exists() and not Lead.objects.filter(owner__isnull=True, status__in=OPEN_STATUSES, pool=None)
    if not Customer.objects.filter(owner__isnull=True, pool__isnull=False).exists():  # too small for pool ones
        unit_pool = pool_services.unit_pool(pool.business_unit_id)
        some = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:20])
        Customer.objects.filter(pk__in=some).update(owner=None, pool=unit_pool, status="pool")
    harness.modules("cases_")
    wanted = {"lead pool list p1 (salesperson)", "lead claim (salesperson)", "lead reclaim sweep (all leads)"}
    wanted.add("viewing-limit check (salesperson, a new pool customer)")
    cases = [case for case in harness.CASES if case.name in wanted]
    assert {case.name for case in cases} == wanted
    results = harness.run(cases, repeat=3, warmup=1, out=lambda _: None)
    print(harness.table(results))  # the figures at this small scale, for the record
    assert [(result.name, result.status in ("PASS", "FAIL"), result.detail) for result in results] == [
        (result.name, True, "") for result in results
    ]
    assert not PoolView.objects.exists()  # the check ran in transactions that were rolled back
