from typing import Any

import pytest

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales import services
from guanxi.sales.models import Opportunity, Pipeline, Stage
from tests.conftest import World, grant
from tests.customers.test_services import register


@pytest.fixture
def sales(world: World) -> World:
    """Alice and Charlie sell (scope: their own records); Bob manages Shanghai (department tree)."""
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


def project() -> Pipeline:
    return Pipeline.objects.get(code="project")


def stage(code: str, pipeline: str = "project") -> Stage:
    return Stage.objects.get(pipeline__code=pipeline, code=code)


def open_opportunity(actor: User, customer: Customer | None = None, name: str = "ERP 项目", **data: Any) -> Opportunity:
    if customer is None:
        n = Customer.all_objects.count() + 1
        customer = register(actor, f"第{n}号客户有限公司", contact={"name": "张三", "mobile": f"1391234{n:04d}"})
    lines = data.pop("lines", ())
    return services.opportunity_create(actor=actor, customer=customer, data={"name": name, **data}, lines=lines)
