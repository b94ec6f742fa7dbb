"""The pool tests' world: Alice, Dave (Shanghai) and Charlie (Beijing) sell; Bob manages Shanghai."""

from datetime import datetime

from django.utils import timezone

from guanxi.core.models import ParameterValue
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import User
from tests.conftest import World, grant, make_user
from tests.customers.test_services import register

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_fixed_timezone(480))  # a Monday, 10:00 in Shanghai
PHONES = iter(range(13600000000, 13700000000))


class PoolWorld(World):
    def __init__(self) -> None:
        super().__init__()
        grant(self.alice, "salesperson")
        grant(self.charlie, "salesperson")
        grant(self.bob, "sales_manager")
        self.dave = grant(make_user("dave", "戴维", self.shanghai, manager=self.bob), "salesperson")


def registered(actor: User, name: str = "上海华信科技有限公司", **data: object) -> Customer:
    """A customer registered by the actor, with a contact of its own (no two share a mobile)."""
    return register(actor, name, contact={"name": "张三", "mobile": str(next(PHONES))}, **data)


def in_pool(world: World, name: str = "上海华信科技有限公司", **data: object) -> Customer:
    """A customer lying in the unit's pool (registered by Root, then left unowned)."""
    customer = registered(world.root, name, **data)
    Customer.objects.filter(pk=customer.pk).update(
        owner=None, status=Lifecycle.POOL, claimed_at=None, expires_at=None, pooled_at=timezone.now()
    )
    customer.refresh_from_db()
    return customer


def set_parameter(world: World, code: str, value: object) -> None:
    ParameterValue.objects.update_or_create(business_unit=world.unit, code=code, defaults={"value": value})


def fresh(customer: Customer) -> Customer:
    return Customer.objects.select_related("owner", "pool").get(pk=customer.pk)
