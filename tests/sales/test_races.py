"""Races decided by the database (PostgreSQL row locks); SQLite lets one writer in at a time."""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales import services
from guanxi.sales.models import Opportunity, StageChange
from tests.conftest import World
from tests.customers.test_services import register

from .conftest import open_opportunity, stage

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls: Callable[[], object]) -> list[str]:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (select_for_update is a no-op); the race is decided on PostgreSQL")
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait()
            call()
            outcomes.append("done")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_losing_a_customers_last_two_opportunities_at_once_returns_it_to_potential(sales: World) -> None:
    customer = register(sales.alice)
    first, second = open_opportunity(sales.alice, customer), open_opportunity(sales.alice, customer, "二期")

    def lose(pk: int) -> Callable[[], object]:
        return lambda: services.opportunity_lose(
            actor=User.objects.get(pk=sales.alice.pk), opportunity=Opportunity.objects.get(pk=pk), reason="price"
        )

    assert at_once(lose(first.pk), lose(second.pk)) == ["done", "done"]
    assert Customer.objects.get(pk=customer.pk).status == "potential"


def test_two_moves_of_one_opportunity_at_once_leave_one_current_stay(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, amount=Decimal(1), expected_close_date=timezone.localdate())

    def move(code: str) -> Callable[[], object]:
        return lambda: services.opportunity_move(
            actor=User.objects.get(pk=sales.alice.pk),
            opportunity=Opportunity.objects.get(pk=opportunity.pk),
            stage=stage(code),
        )

    assert at_once(move("proposal"), move("tender")) == ["done", "done"]
    current = StageChange.objects.get(opportunity=opportunity, left_at__isnull=True)
    assert current.to_stage == Opportunity.objects.get(pk=opportunity.pk).stage
    assert StageChange.objects.filter(opportunity=opportunity).count() == 3  # created, then the two moves in turn
