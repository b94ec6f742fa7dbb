"""The portal's world, on two business units: Alice (Shanghai) holds two channel partners, 华东渠道 and 华南渠道;
each brought a customer and a lead; 华东's customer has a confirmed order, a delivery note and a ticket.
Alice also holds a customer nobody brought. Bella (unit B) holds 杭州渠道, with a customer of its own.
Pia uses the portal for 华东, Pete for 华南 and Hana for 杭州."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from guanxi.customers.models import Customer
from guanxi.finance import services as finance
from guanxi.leads import services as leads
from guanxi.leads.models import Lead
from guanxi.org.models import User
from guanxi.portal import services
from guanxi.portal.models import PartnerMember
from guanxi.sales.orders import services as orders
from guanxi.service.models import Ticket
from tests.conftest import TwoUnits, grant, make_user
from tests.customers.test_partners import client, partner
from tests.sales.quoting import product
from tests.service.conftest import open_ticket

PORTAL_PASSWORD = "Channel-Partner-2026"


class Channel:
    def __init__(self, world: TwoUnits) -> None:
        self.world = world
        grant(world.bob, "sales_manager")
        grant(world.root)
        self.fay = grant(make_user("fay", "菲", world.head_office), "group_management")
        grant(world.charlie, "salesperson")
        self.east = partner(world.alice, "华东渠道贸易有限公司")
        self.south = partner(world.alice, "华南渠道贸易有限公司", territory="华南")
        self.hangzhou = partner(world.bella, "杭州渠道贸易有限公司", territory="浙江")
        self.east_customer = client(world.alice, "苏州精工机械有限公司", partner=self.east)
        self.south_customer = client(world.alice, "广州远航科技有限公司", partner=self.south)
        self.own_customer = client(world.alice, "上海自营客户有限公司")
        self.hangzhou_customer = client(world.bella, "杭州西湖电子有限公司", partner=self.hangzhou)
        self.east_lead = lead(world.alice, "周东", "无锡东方仪表有限公司", "13900001111", partner=self.east)
        self.south_lead = lead(world.alice, "吴南", "深圳南方电器有限公司", "13900002222", partner=self.south)
        self.own_lead = lead(world.alice, "郑自", "上海自营线索有限公司", "13900003333")
        lathe = product(world.root)
        order = orders.order_create(
            actor=world.alice, customer=self.east_customer, data={}, lines=[{"product": lathe.pk, "quantity": "2"}]
        )
        self.east_order = orders.order_confirm(actor=world.alice, order=order)
        line = self.east_order.lines.get()
        self.east_delivery = finance.delivery_create(
            actor=world.alice, order=self.east_order, data={}, lines=[{"order_line": line.pk, "quantity": "1"}]
        )
        other = orders.order_create(
            actor=world.alice, customer=self.own_customer, data={}, lines=[{"product": lathe.pk, "quantity": "1"}]
        )
        self.own_order = orders.order_confirm(actor=world.alice, order=other)
        self.east_ticket = open_ticket(world.root, self.east_customer, subject="车床异响")
        self.own_ticket = open_ticket(world.root, self.own_customer, subject="自营客户报修")
        self.pia = member(world.alice, self.east, "pia", "潘雅", "pia@east.example")
        self.pete = member(world.alice, self.south, "pete", "彭涛", "pete@south.example")
        self.hana = member(world.bella, self.hangzhou, "hana", "韩娜", "hana@hz.example")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)


def lead(actor: User, name: str, company: str, mobile: str, **data: Any) -> Lead:
    return leads.lead_create(actor=actor, data={"name": name, "company": company, "mobile": mobile, **data})


def invite(actor: User, dealer: Customer, email: str, name: str = "新伙伴") -> str:
    mail.outbox.clear()
    _invitation, link = services.invitation_send(actor=actor, partner=dealer, name=name, email=email)
    return link


def member(actor: User, dealer: Customer, username: str, name: str, email: str) -> User:
    link = invite(actor, dealer, email, name)
    user = services.invitation_accept(token=token_of(link), username=username, password=PORTAL_PASSWORD)
    assert PartnerMember.objects.filter(user=user, partner=dealer).exists()
    return user


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def signed_in(user: User) -> Client:
    session = Client()
    session.force_login(user)
    return session


@pytest.fixture
def channel(two_units: TwoUnits) -> Channel:
    return Channel(two_units)


__all__ = ["Channel", "Ticket", "invite", "lead", "member", "signed_in", "token_of"]
