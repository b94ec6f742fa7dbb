"""Races decided by PostgreSQL: confirming an order locks the customer's credit row, so of two orders
confirmed at once that together pass the limit, one is confirmed and the other waits for approval."""

from collections.abc import Callable

import pytest

from guanxi.core.jobs import run_job
from guanxi.org.models import User
from guanxi.sales.orders import services as orders
from guanxi.sales.orders.models import Order, OrderStatus
from guanxi.workflows.models import ApprovalRequest
from tests.conftest import World
from tests.sales.quoting import customer, product
from tests.sales.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("rated_first", [True, False])
def test_two_orders_confirmed_at_once_cannot_both_pass_under_the_limit(money: World, rated_first: bool) -> None:
    client = customer(money.alice)
    lathe = product(money.root)
    drafts = [
        orders.order_create(actor=money.alice, customer=client, data={}, lines=[{"product": lathe.pk, "quantity": 25}])
        for _ in range(2)
    ]  # ¥28,250 each, ¥50,000 of credit
    if rated_first:
        run_job("credit_rate")  # else the first confirmation rates the customer, the second waits for it

    def confirm(pk: int) -> Callable[[], object]:
        return lambda: orders.order_confirm(actor=User.objects.get(pk=money.alice.pk), order=Order.objects.get(pk=pk))

    outcomes = at_once(*(confirm(row.pk) for row in drafts))
    assert outcomes == ["done", "done"]
    statuses = sorted(Order.objects.filter(pk__in=[row.pk for row in drafts]).values_list("status", flat=True))
    assert statuses == [OrderStatus.CONFIRMED, OrderStatus.PENDING]
    assert ApprovalRequest.objects.filter(record_type=orders.ORDER_APPROVAL).count() == 1
