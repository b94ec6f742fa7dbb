"""Alice and Charlie sell, Bob manages Shanghai and approves contracts; Fay is the group's finance (the
receipt flow names her)."""

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from guanxi.customers.models import Customer
from guanxi.finance import services
from guanxi.finance.models import Receipt, Receivable
from guanxi.org.models import User
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders import services as order_services
from guanxi.sales.orders.models import Order
from guanxi.workflows import services as approvals
from tests.conftest import World, grant, make_user
from tests.sales.contracting import signed
from tests.sales.quoting import customer, product


@pytest.fixture
def money(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    grant(world.root)
    fay = grant(make_user("fay", "菲", world.head_office), "group_management")
    world.fay = fay  # type: ignore[attr-defined]
    steps = [{"kind": "user", "user": fay}]
    approvals.approval_flow_save(actor=world.root, unit=world.unit, record_type=services.RECEIPT_APPROVAL, steps=steps)
    return world


NAMES = [
    "华信精密机械",
    "东方电气设备",
    "长江化工原料",
    "金桥物流运输",
    "南海船舶配件",
    "北辰汽车零部件",
    "天元纺织印染",
    "青松医疗器械",
    "宏达建筑材料",
    "鹏程电子科技",
    "瑞丰食品加工",
    "万里通信工程",
    "远洋水产贸易",
    "晨光文具制造",
]
_counter = itertools.count()


def fresh_name() -> str:
    n = next(_counter)
    return f"{NAMES[n % len(NAMES)]}{'' if n < len(NAMES) else n}有限公司"


def contract_of(world: World, actor: User | None = None, amount: str = "10000.00", **data: Any) -> Contract:
    """Signed at the start of last year unless ``on`` says otherwise: owed on every day a test reports on."""
    actor = actor or world.alice
    data.setdefault("on", date(date.today().year - 1, 1, 2))
    client = customer(actor, data.pop("name", None) or fresh_name())
    return signed(actor, world.bob, client, amount=Decimal(amount), **data)


def receivable_of(world: World, actor: User | None = None, amount: str = "10000.00", **data: Any) -> Receivable:
    actor = actor or world.alice
    row = contract_of(world, actor, amount, **data)
    return services.receivable_open(actor=actor, contract=row)


def order_of(world: World, actor: User | None = None, quantity: int = 2) -> Order:
    actor = actor or world.alice
    client = customer(actor, fresh_name())
    lathe = product(world.root, f"P-{Order.all_objects.count() + 100}")
    row = order_services.order_create(
        actor=actor, customer=client, data={}, lines=[{"product": lathe.pk, "quantity": quantity}]
    )
    return order_services.order_confirm(actor=actor, order=row)


def plan(world: World, receivable: Receivable, due_on: date, amount: str) -> Any:
    return services.plan_create(actor=world.alice, receivable=receivable, data={"due_on": due_on, "amount": amount})


def pay(world: World, receivable: Receivable, amount: str, on: date | None = None, **data: Any) -> Receipt:
    """A receipt entered by Alice, submitted and approved by Fay."""
    from django.utils import timezone

    row = services.receipt_create(
        actor=world.alice,
        receivable=receivable,
        data={"received_on": on or timezone.localdate(), "amount": amount, "method": "transfer", **data},
    )
    services.receipt_submit(actor=world.alice, receipt=row)
    return services.receipt_decide(actor=world.fay, receipt=row, approve=True)  # type: ignore[attr-defined]


__all__ = ["Customer", "contract_of", "order_of", "pay", "plan", "receivable_of"]
