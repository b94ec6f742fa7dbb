"""The service test world: two units. In unit A (测试公司) Mei runs the service desk, Sam (Shanghai, managed by
Bob) and Tao (Beijing) are agents; Alice sells. In unit B (杭州分公司) Uma is an agent. Customers are registered
through the customers' services and tickets through the service's, as people make them."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.service import services
from guanxi.service.models import Skill, Ticket
from tests.conftest import TwoUnits, grant, make_user
from tests.customers.test_services import register

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2026-06-01, 10:00: an ordinary working morning
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The public feedback link's rate limit counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


class Desk(TwoUnits):
    def __init__(self) -> None:
        super().__init__()
        self.mei = grant(make_user("mei", "梅", self.head_office), "service_manager")
        self.sam = grant(make_user("sam", "山姆", self.shanghai, manager=self.bob), "service_agent")
        self.tao = grant(make_user("tao", "陶", self.beijing), "service_agent")
        self.uma = grant(make_user("uma", "乌玛", self.hangzhou), "service_agent")
        for agent, types in ((self.sam, ["complaint", "repair"]), (self.tao, ["complaint"]), (self.uma, ["complaint"])):
            for code in types:
                Skill.objects.create(user=agent, type=code)
        self.customer = register(self.root, "上海华信科技有限公司")
        self.customer_b = register(self.ben, "杭州远景电子有限公司")


@pytest.fixture
def desk(db: None) -> Desk:
    return Desk()


def open_ticket(actor: User, customer: Customer, at: datetime = MONDAY, **data: Any) -> Ticket:
    values = {"type": "complaint", "channel": "phone_in", "priority": "normal", "subject": "打印机卡纸", **data}
    return services.ticket_create(actor=actor, customer=customer, data=values, at=at)
