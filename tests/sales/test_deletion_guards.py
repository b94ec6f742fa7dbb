"""A customer, opportunity or product with contracts or orders cannot be deleted (SPEC §7.3): in the
services, the pages, the API and the customers' bulk delete, with a message naming how many and which."""

import pytest
from django.test import Client

from guanxi.core.errors import Conflict
from guanxi.customers import bulk
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_delete
from guanxi.sales.models import Opportunity
from guanxi.sales.orders import services as order_services
from guanxi.sales.products import services as product_services
from guanxi.sales.products.models import Product
from guanxi.sales.services import opportunity_delete
from tests.conftest import World, grant

from .conftest import open_opportunity
from .contracting import contract
from .quoting import customer, product


@pytest.fixture
def shop(sales: World) -> World:
    grant(sales.root)
    grant(sales.bob, "unit_head")  # deletes customers
    return sales


def test_a_customer_with_contracts_and_orders_is_not_deleted_and_the_message_names_them(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    first, second = contract(shop.alice, client), contract(shop.alice, client)
    order = order_services.order_create(actor=shop.alice, customer=client, data={}, lines=[{"product": lathe.pk}])
    with pytest.raises(Conflict) as refused:
        customer_delete(actor=shop.bob, customer=client)
    message = str(refused.value.message)
    assert "2 contracts" in message and first.number in message and second.number in message
    assert "1 order" in message and order.number in message
    assert refused.value.code == "in_use"
    assert Customer.objects.filter(pk=client.pk).exists()
    # the bulk delete refuses the whole selection, naming the customer
    other = customer(shop.alice, "无合同客户")
    with pytest.raises(Conflict) as refused:
        bulk.customers_bulk_delete(actor=shop.bob, ids=[client.pk, other.pk])
    assert client.name in str(refused.value.message)
    assert Customer.objects.filter(pk=other.pk).exists()


def test_an_opportunity_and_a_product_with_contracts_or_orders_are_not_deleted(shop: World) -> None:
    client = customer(shop.alice)
    opportunity = open_opportunity(shop.alice, client)
    lathe = product(shop.root)
    contract(shop.alice, client, opportunity=opportunity)
    grant(shop.alice, "unit_head")
    with pytest.raises(Conflict) as refused:
        opportunity_delete(actor=shop.alice, opportunity=opportunity)
    assert "1 contract" in str(refused.value.message)
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    order_services.order_create(actor=shop.alice, customer=client, data={}, lines=[{"product": lathe.pk}])
    with pytest.raises(Conflict) as refused:
        product_services.product_delete(actor=shop.root, product=lathe)
    assert "1 order" in str(refused.value.message)
    assert Product.objects.filter(pk=lathe.pk).exists()


def test_the_page_and_the_api_refuse_too(shop: World, client: Client) -> None:
    target = customer(shop.alice)
    contract(shop.alice, target)
    client.force_login(shop.bob)
    response = client.post(f"/customers/{target.pk}/delete/", follow=True)
    assert Customer.objects.filter(pk=target.pk).exists()
    assert "1 份合同" in response.content.decode()  # in the reader's language
    response = client.delete(f"/api/v1/customers/{target.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert "1 份合同" in response.json()["detail"]
