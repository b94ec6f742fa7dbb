"""Races decided by PostgreSQL: the receivable's roll-up is moved by a conditional UPDATE, so of two
approvals at once that together pass the amount exactly one succeeds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.core.jobs import run_job
from guanxi.core.models import Notification
from guanxi.finance import services
from guanxi.finance.models import PaymentPlan, Receipt, ReceiptStatus, Receivable
from guanxi.org.models import User
from guanxi.sales.orders.models import Order
from tests.conftest import World
from tests.sales.test_races import at_once

from .conftest import order_of, plan, receivable_of

pytestmark = pytest.mark.django_db(transaction=True)


def _pending(world: World, receivable: Receivable, amount: str) -> Receipt:
    row = services.receipt_create(
        actor=world.alice,
        receivable=receivable,
        data={"received_on": timezone.localdate(), "amount": amount, "method": "transfer"},
    )
    return services.receipt_submit(actor=world.alice, receipt=row)


def _approve(world: World, receipt: Receipt) -> object:
    fay = world.fay  # type: ignore[attr-defined]
    return lambda: services.receipt_decide(
        actor=User.objects.get(pk=fay.pk), receipt=Receipt.objects.get(pk=receipt.pk), approve=True
    )


def test_two_receipts_approved_at_once_that_pass_the_contract_amount_exactly_one_succeeds(money: World) -> None:
    receivable = receivable_of(money, amount="1000")
    plan(money, receivable, timezone.localdate(), "1000")
    first, second = _pending(money, receivable, "600"), _pending(money, receivable, "600")
    assert sorted(at_once(_approve(money, first), _approve(money, second))) == ["OverReceipt", "done"]  # type: ignore[arg-type]
    assert Receivable.objects.get(pk=receivable.pk).received == Decimal("600")
    assert sorted(Receipt.objects.values_list("status", flat=True)) == [ReceiptStatus.APPROVED, ReceiptStatus.PENDING]
    assert PaymentPlan.objects.get(receivable=receivable).received == Decimal("600")


def test_two_receipts_on_an_order_at_once_keep_the_orders_roll_up_within_its_total(money: World) -> None:
    order = order_of(money)
    receivable = services.receivable_open(actor=money.alice, order=order)
    half = (order.total / 2 + 1).quantize(Decimal("0.01"))
    first, second = _pending(money, receivable, str(half)), _pending(money, receivable, str(half))
    assert sorted(at_once(_approve(money, first), _approve(money, second))) == ["OverReceipt", "done"]  # type: ignore[arg-type]
    assert Order.objects.get(pk=order.pk).received_amount == half


def test_two_overdue_sweeps_at_once_mark_and_remind_once(money: World) -> None:
    receivable = receivable_of(money)
    plan(money, receivable, timezone.localdate() - timedelta(days=2), "1000")
    assert at_once(*[lambda: run_job("payments_overdue")] * 2) == ["done", "done"]
    assert Notification.objects.filter(kind="payment_overdue").count() == 2  # Alice and Fay, once each
