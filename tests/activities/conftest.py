"""Alice and Charlie sell (scope: own), Bob manages Shanghai; each test registers the customers it needs."""

import pytest

from guanxi.customers.models import Customer
from guanxi.org.models import User
from tests.conftest import World, grant


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


_phones = iter(range(13900000000, 13999999999))


def customer_of(actor: User, name: str = "上海华信科技有限公司", **data: object) -> Customer:
    """A customer registered by ``actor`` through the service, with a contact whose mobile is unique."""
    from tests.customers.test_services import register

    data.setdefault("contact", {"name": "张三", "mobile": str(next(_phones))})
    return register(actor, name, **data)
