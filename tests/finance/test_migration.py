"""``finance.0009``: the receipts and allocations written before it get their receivable's owner (on both
databases; on PostgreSQL, with the foreign keys checked before the column becomes required). ``finance.0010``:
the allocations written before it get their plan's due date."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guanxi.finance.models import Allocation, PaymentPlan, Receipt, Receivable
from tests.conftest import World

from .conftest import pay, plan, receivable_of

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
