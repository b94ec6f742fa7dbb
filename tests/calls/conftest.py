"""Two units' call centres. In unit A Sam and Tina answer the phones (service agents who may look up the
unit's customers), Alice sells; the PBX posts as its integration user. Unit B has its own PBX and Bella."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.calls import services
from guanxi.calls.models import Call
from guanxi.customers.models import Customer
from guanxi.org.models import Role, User
from tests.conftest import TwoUnits, client_for, make_user
from tests.customers.test_services import register

PBX_ROLE = ["call_events.create"]
LOOKUP_ROLE = [
    "customers.view", "activities.view", "activities.create", "leads.view", "leads.create",
]  # fmt: skip


def role(code: str, permissions: list[str], scope: str = "unit") -> Role:
    made, _ = Role.objects.update_or_create(
        code=code, defaults={"name": code, "permissions": permissions, "data_scope": scope}
    )
    return made


def with_roles(user: User, *roles: Role | str) -> User:
    for one in roles:
        user.roles.add(one if isinstance(one, Role) else Role.objects.get(code=one))
    user.__dict__.pop("_grants", None)
    return user


class CallCentre(TwoUnits):
    def __init__(self) -> None:
        super().__init__()
        pbx, lookup = role("pbx", PBX_ROLE), role("caller_lookup", LOOKUP_ROLE)
        self.sam = with_roles(make_user("sam", "山姆", self.head_office), "service_agent", lookup)
        self.tina = with_roles(make_user("tina", "蒂娜", self.head_office), "service_agent", lookup)
        self.mona = with_roles(make_user("mona", "莫娜", self.head_office), "service_manager")
        self.pbx = with_roles(make_user("pbx", "总机", self.head_office), pbx)
        self.pbx_b = with_roles(make_user("pbx_b", "杭州总机", self.hangzhou), pbx)
        self.bert = with_roles(make_user("bert", "伯特", self.hangzhou), "service_agent", lookup)
        services.extension_set(actor=self.ada, user=self.sam, number="801")
        services.extension_set(actor=self.ada, user=self.tina, number="802")
        services.extension_set(actor=self.ben, user=self.bert, number="801")  # the same number, another unit
        self.customer = register(self.alice, "上海华信科技有限公司", phone="021-6888 8888")
        self.contact = self.customer.contacts.get()  # 张三, 13812345678


@pytest.fixture
def centre(db: None) -> CallCentre:
    return CallCentre()


def api(user: User) -> Client:
    return client_for(user)


def post_event(client: Client, **event: Any) -> Any:
    return client.post("/api/v1/calls/", event, content_type="application/json")


def receive(world: CallCentre, **event: Any) -> Call:
    event.setdefault("number", "13812345678")
    event.setdefault("extension", "801")
    call, _new = services.call_event_receive(actor=world.pbx, data=event)
    return call


def customer_of(world: CallCentre, name: str, **data: Any) -> Customer:
    return register(world.alice, name, **data)
