"""A small sales history in November 2026 (company time, Asia/Shanghai) whose figures are worked out by
hand in the tests: Alice (Shanghai) and Charlie (Beijing) sell, Bob manages Shanghai, Root sees all."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from guanxi.activities import services as activities
from guanxi.customers.models import Customer
from guanxi.sales import services as sales
from guanxi.sales.models import Competitor, Opportunity
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.sales.conftest import open_opportunity, stage

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime:
    """A moment in November 2026 (or another month), Beijing time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class History:
    world: World
    a1: Opportunity  # won 100,000 (went through proposal)
    a2: Opportunity  # 50,000, still in contact
    a3: Opportunity  # 30,000, created 30 Nov 23:30 Beijing time (15:30 UTC): November
    a4: Opportunity  # 40,000, created 1 Dec 00:30 Beijing time (30 Nov 16:30 UTC): December
    a5: Opportunity  # 20,000, lost on price to Rival (reached proposal)
    c1: Opportunity  # Charlie's 70,000, in contact
    rival: Competitor
    alice_customer: Customer
    charlie_customer: Customer


@pytest.fixture
def history(world: World) -> Iterator[History]:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    rival = sales.competitor_create(actor=world.root, data={"name": "对手科技"})
    with time_machine.travel(at(2, 9), tick=False):
        alice_customer = register(world.alice, "上海甲方有限公司", industry="it", source="exhibition")
        charlie_customer = register(
            world.charlie, "北京乙方有限公司", contact={"name": "李四", "mobile": "13912345678"}, source="online"
        )
    details = {"amount": Decimal(0), "expected_close_date": at(28).date()}
    with time_machine.travel(at(3), tick=False):
        a1 = open_opportunity(world.alice, alice_customer, "一号项目", **{**details, "amount": Decimal(100000)})
    with time_machine.travel(at(4), tick=False):
        sales.opportunity_move(actor=world.alice, opportunity=a1, stage=stage("proposal"))
    with time_machine.travel(at(5), tick=False):
        a2 = open_opportunity(world.alice, alice_customer, "二号项目", amount=Decimal(50000))
    with time_machine.travel(at(10), tick=False):
        a5 = open_opportunity(world.alice, alice_customer, "五号项目", **{**details, "amount": Decimal(20000)})
    with time_machine.travel(at(11), tick=False):
        sales.opportunity_move(actor=world.alice, opportunity=a5, stage=stage("proposal"))
    with time_machine.travel(at(12), tick=False):
        c1 = open_opportunity(world.charlie, charlie_customer, "北京项目", amount=Decimal(70000))
    with time_machine.travel(at(20, 16), tick=False):
        sales.opportunity_win(actor=world.alice, opportunity=Opportunity.objects.get(pk=a1.pk))
    with time_machine.travel(at(25), tick=False):
        sales.opportunity_lose(
            actor=world.alice, opportunity=Opportunity.objects.get(pk=a5.pk), reason="price", competitor=rival
        )
    with time_machine.travel(at(30, 23, 30), tick=False):
        a3 = open_opportunity(world.alice, alice_customer, "三号项目", amount=Decimal(30000))
    with time_machine.travel(at(1, 0, 30, month=12), tick=False):
        a4 = open_opportunity(world.alice, alice_customer, "四号项目", amount=Decimal(40000))
    # follow-ups: Alice on 3 Nov (two), on 30 Nov at 23:30 and on 1 Dec at 00:30; Charlie on 12 Nov
    for moment, who, customer in (
        (at(3, 9), world.alice, alice_customer),
        (at(3, 15), world.alice, alice_customer),
        (at(30, 23, 30), world.alice, alice_customer),
        (at(1, 0, 30, month=12), world.alice, alice_customer),
        (at(12, 11), world.charlie, charlie_customer),
    ):
        with time_machine.travel(at(1, 12, month=12), tick=False):
            activities.followup_create(actor=who, content="电话沟通", occurred_at=moment, customer=customer)
    with time_machine.travel(at(2, 12, month=12), tick=False):
        yield History(world, a1, a2, a3, a4, a5, c1, rival, alice_customer, charlie_customer)
