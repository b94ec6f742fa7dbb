"""The lead pools' races and the viewing limit's count are decided by the database: real threads, real
connections. SQLite serialises every writer and has no row locks, so these run on PostgreSQL only."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from guanxi.core.jobs import run_job
from guanxi.core.models import ParameterValue
from guanxi.customers.models import Customer
from guanxi.leads import services
from guanxi.leads import tasks as lead_tasks
from guanxi.leads.models import Lead, LeadPool, LeadPoolEvent
from guanxi.leads.pools import services as pools
from guanxi.leads.pools import sweep as lead_sweep
from guanxi.org.models import User
from guanxi.pool import viewing
from guanxi.pool.models import PoolView
from tests.conftest import World, grant, make_user
from tests.pool.pool_helpers import in_pool
from tests.pool.test_pool_races import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks and runs one writer at a time; the races are decided on PostgreSQL",
    ),
]
assert lead_tasks  # importing the tasks registers the job


def _pool_with_leads(world: World, count: int) -> tuple[LeadPool, list[Lead]]:
    grant(world.root, "unit_head")
    pool = pools.lead_pool_save(actor=world.root, pool=None, data={"name": "线索公海"})
    leads = [
        services.lead_create(
            actor=world.root, data={"name": f"客户{n}", "mobile": f"1390000{n:04d}", "company": f"公司{n}"}, pool=pool
        )
        for n in range(count)
    ]
    return pool, leads


def test_twenty_simultaneous_lead_claims_give_one_owner_and_name_them(world: World) -> None:
    _pool, (lead,) = _pool_with_leads(world, 1)
    people = [grant(make_user(f"s{n}", f"销售{n:02d}", world.shanghai), "salesperson") for n in range(20)]

    def claim(person: User) -> Callable[[], str]:
        def call() -> str:
            pools.lead_claim(actor=User.objects.get(pk=person.pk), lead=Lead.objects.get(pk=lead.pk))
            return "claimed"

        return call

    outcomes = run_together([claim(person) for person in people])
    lead.refresh_from_db()
    assert lead.owner is not None
    assert outcomes.count("claimed") == 1
    refusals = [outcome for outcome in outcomes if outcome != "claimed"]
    assert len(refusals) == 19
    assert all(f"already_claimed: {lead} was already claimed by {lead.owner.display_name}" in row for row in refusals)
    assert LeadPoolEvent.objects.filter(lead=lead, kind="claim").count() == 1


def test_simultaneous_lead_claims_never_pass_the_daily_cap(world: World) -> None:
    alice = grant(world.alice, "salesperson")
    ParameterValue.objects.create(business_unit=world.unit, code="leads.pool_daily_claims", value=2)
    _pool, leads = _pool_with_leads(world, 6)

    def claim(lead: Lead) -> Callable[[], str]:
        def call() -> str:
            pools.lead_claim(actor=User.objects.get(pk=alice.pk), lead=Lead.objects.get(pk=lead.pk))
            return "claimed"

        return call

    outcomes = run_together([claim(lead) for lead in leads])
    assert outcomes.count("claimed") == 2
    assert sum(outcome.startswith("claim_limit: ") for outcome in outcomes) == 4
    assert Lead.objects.filter(owner=alice).count() == 2


def test_two_lead_sweeps_at_once_return_each_lead_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lead_sweep, "BATCH", 7)
    alice = grant(world.alice, "salesperson")
    ParameterValue.objects.create(business_unit=world.unit, code="leads.pool_daily_claims", value=1000)
    _pool, leads = _pool_with_leads(world, 40)
    pools.leads_claim(actor=alice, leads=leads)
    at = timezone.now() + timedelta(days=17)
    outcomes = run_together([lambda: run_job("reclaim_leads", at=at), lambda: run_job("reclaim_leads", at=at)])
    assert sum(int(outcome.split(" ")[0]) for outcome in outcomes) == 40
    assert LeadPoolEvent.objects.filter(kind="reclaim").values("lead").distinct().count() == 40
    assert LeadPoolEvent.objects.filter(kind="reclaim").count() == 40


def test_simultaneous_pages_never_pass_the_viewing_limit(world: World) -> None:
    alice = grant(world.alice, "salesperson")
    ParameterValue.objects.create(business_unit=world.unit, code="pool.daily_views", value=3)
    customers = [in_pool(world, f"上海第{n}机械有限公司") for n in range(10)]

    def view(customer: Customer) -> Callable[[], str]:
        def call() -> str:
            viewing.customer_viewed(actor=User.objects.get(pk=alice.pk), customer=Customer.objects.get(pk=customer.pk))
            return "opened"

        return call

    outcomes = run_together([view(customer) for customer in customers])
    assert outcomes.count("opened") == 3
    assert sum(outcome.startswith("view_limit: ") for outcome in outcomes) == 7
    assert sorted(PoolView.objects.filter(user=alice).values_list("slot", flat=True)) == [1, 2, 3]
