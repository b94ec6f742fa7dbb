"""Plan writes take the customer's row lock before the plan's, the order in which the pool's return and its
sweep take them, so a plan completed while its customer is returned waits instead of deadlocking.

Row locks exist on PostgreSQL only (SQLite runs one writer at a time), so these run there."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from guanxi.activities import services
from guanxi.activities.models import Plan
from tests.activities.conftest import customer_of
from tests.conftest import World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no row locks and runs one writer at a time"
    ),
]


def other_connection(*, autocommit: bool = False) -> psycopg.Connection:
    """A connection of its own, as another request's transaction would have."""
    params = connection.get_connection_params()
    return psycopg.connect(
        **{key: params[key] for key in ("dbname", "user", "password", "host", "port") if key in params},
        autocommit=autocommit,
    )


@pytest.fixture
def customer_held(sales: World) -> Iterator[tuple[Plan, psycopg.Connection]]:
    """An open plan of Alice's customer, whose row another transaction holds locked (as a pool return does
    while it cancels the customer's plans)."""
    customer = customer_of(sales.alice)
    plan = services.plan_create(
        actor=sales.alice, subject="回访", due_at=timezone.now() + timedelta(days=1), customer=customer
    )
    holder = other_connection()
    holder.execute("SELECT id FROM customers_customer WHERE id = %s FOR UPDATE", [customer.pk])
    yield plan, holder
    holder.close()


def waiting_for_a_lock(until: float) -> bool:
    # In autocommit: PostgreSQL reads pg_stat_activity once per transaction, so polling inside one transaction
    # would keep seeing the worker as it was at the first poll, before it reached the lock.
    with other_connection(autocommit=True) as probe:
        while time.monotonic() < until:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = %s",
                [connection.settings_dict["NAME"]],
            ).fetchone()
            if row and row[0]:
                return True
            time.sleep(0.02)  # polling another backend's state, not waiting for a clock
    return False


@pytest.mark.parametrize(
    "change",
    [
        lambda actor, plan: services.plan_complete(actor=actor, plan=plan),
        lambda actor, plan: services.plan_cancel(actor=actor, plan=plan, reason="不需要了"),
        lambda actor, plan: services.plan_reschedule(actor=actor, plan=plan, due_at=plan.due_at + timedelta(1)),
    ],
    ids=["complete", "cancel", "reschedule"],
)
def test_a_plan_change_waits_for_its_customer_before_locking_the_plan(
    sales: World, customer_held: tuple[Plan, psycopg.Connection], change: Callable[..., Plan]
) -> None:
    plan, holder = customer_held
    outcome: list[str] = []

    def run() -> None:
        try:
            change(sales.alice, Plan.objects.get(pk=plan.pk))
            outcome.append("done")
        except Exception as error:
            outcome.append(repr(error))  # shown by the assertion below, not only in a thread's traceback
            raise
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    # a generous bound: on a loaded machine the worker may take seconds to reach the lock
    waited = waiting_for_a_lock(time.monotonic() + 30)
    assert waited, f"the plan change did not wait for the customer's row: {outcome or 'still running'}"

    # While it waits, the plan itself is free: the holder can cancel it, as a pool return would.
    holder.execute("SELECT id FROM activities_plan WHERE id = %s FOR UPDATE NOWAIT", [plan.pk])
    holder.rollback()
    worker.join(timeout=30)
    assert outcome == ["done"]
