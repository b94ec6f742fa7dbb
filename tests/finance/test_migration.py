"""``finance.0009``: the receipts and allocations written before it get their receivable's owner (on both
databases; on PostgreSQL, with the foreign keys checked before the column becomes required). ``finance.0010``:
the allocations written before it get their plan's due date. ``finance.0011``: the receivables, plans and
allocations written before it get the date the receivable is owed from."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guanxi.finance import services
from guanxi.finance.models import Allocation, PaymentPlan, Receipt, Receivable
from tests.conftest import World

from .conftest import order_of, pay, plan, receivable_of

BEFORE = [("finance", "0008_receivable_owner_outstanding")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def schema_restored(transactional_db: None) -> Iterator[None]:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    yield
    migrate(latest)  # the next test finds the schema as it was


def test_receipts_and_allocations_written_before_get_their_receivables_owner(
    schema_restored: None, money: World
) -> None:
    today = timezone.localdate()
    kept, handed = receivable_of(money), receivable_of(money)
    for receivable in (kept, handed):
        plan(money, receivable, today - timedelta(days=10), "4000")
        pay(money, receivable, "1500")
    # handed over (its plans with it) while receipts and allocations had no owner of their own
    Receivable.objects.filter(pk=handed.pk).update(owner=money.charlie)
    PaymentPlan.objects.filter(receivable=handed).update(owner=money.charlie)
    receipts = set(Receipt.all_objects.values_list("pk", "receivable__owner"))
    allocations = set(Allocation.objects.values_list("pk", "plan__owner"))
    assert (
        {owner for _pk, owner in receipts}
        == {owner for _pk, owner in allocations}
        == {money.alice.pk, money.charlie.pk}
    )

    migrate(BEFORE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert set(Receipt.all_objects.values_list("pk", "owner")) == receipts
    assert set(Allocation.objects.values_list("pk", "owner")) == allocations


def test_allocations_written_before_get_their_plans_due_date(schema_restored: None, money: World) -> None:
    today = timezone.localdate()
    receivable = receivable_of(money, amount="9000")
    for days in (40, 10):
        plan(money, receivable, today - timedelta(days=days), "3000")
    pay(money, receivable, "4500")  # the first plan in full, half of the second
    dated = set(Allocation.objects.values_list("pk", "plan__due_on"))
    assert {due for _pk, due in dated} == {today - timedelta(days=40), today - timedelta(days=10)}

    migrate([("finance", "0009_receipt_allocation_owner")])
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert set(Allocation.objects.values_list("pk", "due_on")) == dated


def test_receivables_plans_and_allocations_written_before_get_the_date_owed_from(
    schema_restored: None, money: World
) -> None:
    """``finance.0011``: a receivable's is its contract's signing date or its order's date; its plans and their
    allocations copy it."""
    today = timezone.localdate()
    signed = receivable_of(money, on=today - timedelta(days=30))
    plan(money, signed, today - timedelta(days=10), "3000")
    pay(money, signed, "1000")
    ordered = order_of(money)
    placed = services.receivable_open(actor=money.alice, order=ordered)
    plan(money, placed, today, "10")
    expected = {signed.pk: today - timedelta(days=30), placed.pk: ordered.ordered_on}
    assert dict(Receivable.objects.values_list("pk", "owed_from")) == expected

    migrate([("finance", "0010_allocation_due_on")])
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert dict(Receivable.objects.values_list("pk", "owed_from")) == expected
    assert {(p.receivable_id, p.owed_from) for p in PaymentPlan.objects.all()} == set(expected.items())
    assert [(a.plan.receivable_id, a.owed_from) for a in Allocation.objects.select_related("plan")] == [
        (signed.pk, today - timedelta(days=30))
    ]
