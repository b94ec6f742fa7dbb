"""The Partner tab of a channel partner's 360 page (SPEC §14.8): the customers it brought, their opportunities
and orders and the totals, each as the reader's scope allows; paginated, in a fixed number of queries."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales import services as sales
from guanxi.sales.orders import services as orders
from tests.conftest import TwoUnits, client_for, grant
from tests.customers.test_partners import client, partner
from tests.sales.conftest import open_opportunity

from .quoting import product


@pytest.fixture
def channel(two_units: TwoUnits) -> TwoUnits:
    """Alice (Shanghai) holds the partner 华东渠道 and a customer it brought, won for 100,000 with a confirmed
    order; Charlie (Beijing) holds another customer it brought, with an open opportunity of 30,000."""
    world = two_units
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    grant(world.root)
    world.dealer = partner(world.alice)  # type: ignore[attr-defined]
    world.mine = client(world.alice, "苏州精工机械有限公司", partner=world.dealer)  # type: ignore[attr-defined]
    world.theirs = client(world.charlie, "北京远航科技有限公司", partner=world.dealer)  # type: ignore[attr-defined]
    won = open_opportunity(world.alice, world.mine, "精工一号项目", amount=Decimal(100000))  # type: ignore[attr-defined]
    sales.opportunity_win(actor=world.alice, opportunity=won)
    open_opportunity(world.charlie, world.theirs, "远航项目", amount=Decimal(30000))  # type: ignore[attr-defined]
    lathe = product(world.root)
    order = orders.order_create(
        actor=world.alice,
        customer=world.mine,  # type: ignore[attr-defined]
        data={},
        lines=[{"product": lathe.pk, "quantity": "2"}],
    )
    orders.order_confirm(actor=world.alice, order=order)
    return world


def _tab(user: User, dealer: Customer) -> Any:
    return client_for(user).get(reverse("sales:customer_partner", args=[dealer.pk]))


@pytest.mark.parametrize(
    ("who", "customers", "won", "orders_seen"),
    [
        ("alice", ["苏州精工机械有限公司"], "100,000.00", True),  # her own records
        ("bob", ["苏州精工机械有限公司"], "100,000.00", True),  # Shanghai's: not Charlie's in Beijing
        ("ada", ["北京远航科技有限公司", "苏州精工机械有限公司"], "100,000.00", True),  # the whole unit
        ("gina", ["北京远航科技有限公司", "苏州精工机械有限公司"], "100,000.00", True),  # the group
    ],
)
def test_the_partner_tab_shows_what_the_reader_may_see(
    channel: TwoUnits, who: str, customers: list[str], won: str, orders_seen: bool
) -> None:
    answer = _tab(getattr(channel, who), channel.dealer)  # type: ignore[attr-defined]
    assert answer.status_code == 200
    assert [row.name for row in answer.context["rows"]] == sorted(
        customers, key=lambda name: name != "北京远航科技有限公司"
    )
    summary = answer.context["summary"]
    assert summary.customers == len(customers)
    assert summary.won_amount == Decimal(100000)
    assert summary.open_amount == (Decimal(30000) if len(customers) == 2 else Decimal(0))
    assert (summary.orders == 1) is orders_seen and summary.order_total == Decimal("2260.00")
    assert won in answer.content.decode()


def test_the_partner_tab_is_closed_outside_the_scope_and_on_other_customers(channel: TwoUnits) -> None:
    assert _tab(channel.bella, channel.dealer).status_code == 404  # type: ignore[attr-defined]  # another unit
    assert _tab(channel.charlie, channel.dealer).status_code == 404  # type: ignore[attr-defined]  # Alice's partner
    assert _tab(channel.alice, channel.mine).status_code == 404  # type: ignore[attr-defined]  # no partner
    page = client_for(channel.alice).get(f"/customers/{channel.dealer.pk}/").content.decode()  # type: ignore[attr-defined]
    assert 'href="?tab=partner"' in page
    page = client_for(channel.alice).get(f"/customers/{channel.mine.pk}/").content.decode()  # type: ignore[attr-defined]
    assert f"/customers/{channel.dealer.pk}/?tab=partner" in page  # type: ignore[attr-defined]  # who brought it …
    assert 'href="?tab=partner"' not in page  # … but no tab of its own


def test_the_tabs_lists_page_in_a_fixed_number_of_queries(
    channel: TwoUnits, django_assert_max_num_queries: object
) -> None:
    dealer = channel.dealer  # type: ignore[attr-defined]
    for n in range(25):
        brought = client(channel.alice, f"第{n}号经销客户有限公司", partner=dealer)
        open_opportunity(channel.alice, brought, f"项目{n}", amount=Decimal(n))
    web = client_for(channel.ada)
    url = reverse("sales:customer_partner_section", args=[dealer.pk])
    web.get(url)
    for section in ("customers", "opportunities", "orders"):
        with django_assert_max_num_queries(14):  # type: ignore[operator]
            answer = web.get(url, {"section": section, "page": "2"})
        assert answer.status_code == 200
    assert len(web.get(url, {"section": "customers", "page": "2"}).context["rows"]) == 7  # 27 customers
    assert len(web.get(url, {"section": "opportunities", "page": "2"}).context["rows"]) == 7  # 27 opportunities
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        assert web.get(reverse("sales:customer_partner", args=[dealer.pk])).status_code == 200
