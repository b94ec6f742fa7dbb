"""Alice sells and Bob, her manager, watches her customers; Charlie sells in Beijing. Builders for won
customers with orders, follow-ups and complaints at chosen dates."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User
from guanxi.sales.orders.models import Order, OrderStatus
from tests.conftest import World, grant
from tests.customers.test_services import register


@pytest.fixture
def shop(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    grant(world.root)
    return world


def moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)


def won(actor: User, name: str = "华信精密机械有限公司", *, ordered: date | None = None, followed: date | None = None,
        created: date | None = None, **data: Any) -> Customer:  # fmt: skip
    """A won customer of the actor's whose last order and follow-up were on these days."""
    n = Customer.all_objects.count() + 1
    customer = register(actor, f"{name}{n:03d}", contact={"name": "张三", "mobile": f"1391234{n:04d}"}, **data)
    today = timezone.localdate()
    values = {
        "status": Lifecycle.WON,
        "last_order_at": moment(ordered or today),
        "last_followup_at": moment(followed or today),
        "created_at": moment(created or (today - timedelta(days=800))),
    }
    Customer.all_objects.filter(pk=customer.pk).update(**values)
    customer.refresh_from_db()
    return customer


def order_row(customer: Customer, on: date, total: str) -> Order:
    """A confirmed order as the orders module leaves it (for the amount rule)."""
    n = Order.all_objects.count() + 1
    owner = customer.owner
    assert owner is not None
    return Order.all_objects.create(
        number=f"DD{n:05d}", business_unit_id=customer.business_unit_id, customer=customer, owner=owner,
        status=OrderStatus.CONFIRMED, ordered_on=on, total=Decimal(total), net_amount=Decimal(total),
    )  # fmt: skip
