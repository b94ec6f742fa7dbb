"""The pool's races are decided by the database (DESIGN.md §Writes): real threads, real connections.

SQLite serialises every writer and has no row locks, so these run on PostgreSQL only."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from guanxi.core.errors import DomainError
from guanxi.core.jobs import JOBS, run_job
from guanxi.core.models import ParameterValue
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.pool import services as pool
from guanxi.pool import sweep as pool_sweep
from guanxi.pool import tasks
from guanxi.pool.models import HoldingLimit, PoolEvent
from tests.conftest import World, grant, make_user
from tests.pool.pool_helpers import in_pool

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks and runs one writer at a time; the races are decided on PostgreSQL",
    ),
]
assert "reclaim_pool" in JOBS and tasks  # importing the tasks registers the job


def run_together(calls: list[Callable[[], str]]) -> list[str]:
    """Start every call at the same moment, each in its own thread and connection; their outcomes."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], str]) -> None:
        try:
            start.wait()
            with translation.override("en"):  # the active language is per thread: speak English here too
                outcome = call()
        except DomainError as error:
            outcome = f"{error.code}: {error.message}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_twenty_simultaneous_claims_give_one_owner_and_nineteen_answers_naming_them(world: World) -> None:
    customer = in_pool(world)
    people = [grant(make_user(f"s{n}", f"销售{n:02d}", world.shanghai), "salesperson") for n in range(20)]

    def claim(person: User) -> Callable[[], str]:
        def call() -> str:
            pool.customer_claim(actor=User.objects.get(pk=person.pk), customer=Customer.objects.get(pk=customer.pk))
            return "claimed"

        return call

    outcomes = run_together([claim(person) for person in people])
    customer.refresh_from_db()
    assert customer.owner is not None
    assert outcomes.count("claimed") == 1
    refusals = [outcome for outcome in outcomes if outcome != "claimed"]
    assert len(refusals) == 19
    assert all(outcome.startswith("already_claimed: ") for outcome in refusals)
    assert all(f"already claimed by {customer.owner.display_name}" in outcome for outcome in refusals)
    assert PoolEvent.objects.filter(customer=customer, kind="claim").count() == 1


def test_simultaneous_claims_by_one_salesperson_at_the_limit_never_exceed_it(world: World) -> None:
    alice = grant(world.alice, "salesperson")
    HoldingLimit.objects.create(business_unit=world.unit, user=alice, holding_limit=3)
    customers = [in_pool(world, f"上海第{n}机械有限公司") for n in range(8)]

    def claim(customer: Customer) -> Callable[[], str]:
        def call() -> str:
            pool.customer_claim(actor=User.objects.get(pk=alice.pk), customer=Customer.objects.get(pk=customer.pk))
            return "claimed"

        return call

    outcomes = run_together([claim(customer) for customer in customers])
    assert outcomes.count("claimed") == 3
    assert sum(outcome.startswith("holding_limit: ") for outcome in outcomes) == 5
    assert Customer.objects.filter(owner=alice).count() == 3


def test_simultaneous_claims_never_pass_the_daily_cap(world: World) -> None:
    alice = grant(world.alice, "salesperson")
    ParameterValue.objects.create(business_unit=world.unit, code="pool.daily_claims", value=2)
    customers = [in_pool(world, f"上海第{n}机械有限公司") for n in range(6)]

    def claim(customer: Customer) -> Callable[[], str]:
        def call() -> str:
            pool.customer_claim(actor=User.objects.get(pk=alice.pk), customer=Customer.objects.get(pk=customer.pk))
            return "claimed"

        return call

    outcomes = run_together([claim(customer) for customer in customers])
    assert outcomes.count("claimed") == 2
    assert Customer.objects.filter(owner=alice).count() == 2


def test_two_sweeps_at_once_return_each_due_customer_exactly_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_sweep, "SWEEP_BATCH", 7)  # many small batches, so the two sweeps interleave
    alice = grant(world.alice, "salesperson")
    HoldingLimit.objects.create(business_unit=world.unit, user=alice, holding_limit=1000)
    ParameterValue.objects.create(business_unit=world.unit, code="pool.daily_claims", value=1000)
    customers = [in_pool(world, f"上海第{n}机械有限公司") for n in range(60)]
    for customer in customers:
        pool.customer_claim(actor=alice, customer=customer)
    at = timezone.now() + timedelta(days=31)
    outcomes = run_together([lambda: run_job("reclaim_pool", at=at), lambda: run_job("reclaim_pool", at=at)])
    returned = sorted(int(outcome.split(" ")[0]) for outcome in outcomes)
    assert sum(returned) == 60
    assert not Customer.objects.filter(owner__isnull=False).exists()
    assert PoolEvent.objects.filter(kind="reclaim").count() == 60
    assert PoolEvent.objects.filter(kind="reclaim").values("customer").distinct().count() == 60
