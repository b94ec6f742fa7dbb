from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Customer, Lifecycle
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders import services
from guanxi.sales.orders.models import Order, OrderLine, OrderStatus
from guanxi.sales.products.models import Product
from guanxi.sales.quotes import services as quote_services
from tests.conftest import World, grant

from .contracting import approve, signed, terms
from .quoting import customer, product, quote


@pytest.fixture
def shop(sales: World) -> World:
    grant(sales.root)
    return sales


def _contract_with_lines(shop: World, client: Customer, lathe: Product, quantity: int = 10) -> Contract:
    row = contract_services.contract_create(
        actor=shop.alice, customer=client, data=terms(), lines=[{"product": lathe.pk, "quantity": quantity}]
    )
    contract_services.contract_submit(actor=shop.alice, contract=row)
    approve(shop.bob, row)
    return contract_services.contract_sign(actor=shop.alice, contract=row)


def test_a_direct_order_is_priced_and_confirming_it_wins_the_customer_as_of_the_order_date(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    day = timezone.localdate() - timedelta(days=5)
    order = services.order_create(
        actor=shop.alice,
        customer=client,
        data={"ordered_on": day},
        lines=[{"product": lathe.pk, "quantity": "2", "discount_percent": "10"}],
    )
    assert order.number.startswith("DD") and order.status == OrderStatus.DRAFT
    assert (order.net_amount, order.tax_amount, order.total) == (
        Decimal("1800.00"),
        Decimal("234.00"),
        Decimal("2034.00"),
    )
    client.refresh_from_db()
    assert client.status == Lifecycle.POTENTIAL
    order = services.order_confirm(actor=shop.alice, order=order)
    assert order.status == OrderStatus.CONFIRMED
    client.refresh_from_db()
    assert client.status == Lifecycle.WON
    assert timezone.localtime(client.last_order_at).date() == day
    entry = AuditEntry.objects.filter(object_id=str(client.pk), action=AuditEntry.Action.LIFECYCLE).latest("pk")
    assert entry.note == f"first_order {order.number} {day.isoformat()}"
    with pytest.raises(Conflict):
        services.order_confirm(actor=shop.alice, order=order)


def test_cancelling_the_only_confirmed_order_undoes_the_won_status(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    order = services.order_create(actor=shop.alice, customer=client, data={}, lines=[{"product": lathe.pk}])
    services.order_confirm(actor=shop.alice, order=order)
    with pytest.raises(DomainError) as refused:
        services.order_cancel(actor=shop.alice, order=order)
    assert refused.value.field == "reason"
    order = services.order_cancel(actor=shop.alice, order=order, reason="客户撤单")
    assert order.status == OrderStatus.CANCELLED
    client.refresh_from_db()
    assert client.status == Lifecycle.POTENTIAL and client.last_order_at is None


def test_an_order_from_a_quote_copies_its_lines_and_a_foreign_quote_is_refused(shop: World) -> None:
    client, other = customer(shop.alice), customer(shop.alice, "另一家公司")
    lathe = product(shop.root)
    q = quote(shop.alice, client, {"product": lathe.pk, "quantity": "3"})
    with pytest.raises(ValidationError) as refused:
        services.order_create(actor=shop.alice, customer=client, data={}, quote=q)
    assert "quote" in refused.value.message_dict  # still a draft
    quote_services.quote_submit(actor=shop.alice, quote=q)
    order = services.order_create(actor=shop.alice, customer=client, data={}, quote=q)
    assert order.lines.get().quantity == 3 and order.total == Decimal("3390.00")
    with pytest.raises(ValidationError) as refused:
        services.order_create(actor=shop.alice, customer=other, data={}, quote=q)
    assert refused.value.message_dict["quote"] == ["Choose a quote of this customer."]


def test_an_order_line_above_what_the_contract_leaves_is_refused(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    drill = product(shop.root, "P-002", name="台钻")
    contract = _contract_with_lines(shop, client, lathe, quantity=10)
    first = services.order_create(actor=shop.alice, customer=client, data={}, contract=contract)
    assert first.lines.get().quantity == 10  # the whole contract, copied
    services.order_update(
        actor=shop.alice, order=first, version=first.version, data={}, lines=[{"product": lathe.pk, "quantity": 6}]
    )
    with pytest.raises(ValidationError) as refused:
        services.order_create(
            actor=shop.alice, customer=client, data={}, contract=contract,
            lines=[{"product": lathe.pk, "quantity": 5}, {"product": drill.pk, "quantity": 1}],
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"lines.0.quantity", "lines.1.product"}
    assert Order.objects.count() == 1
    second = services.order_create(actor=shop.alice, customer=client, data={}, contract=contract)
    assert second.lines.get().quantity == 4  # what is left
    services.order_cancel(actor=shop.alice, order=first)
    third = services.order_create(
        actor=shop.alice, customer=client, data={}, contract=contract, lines=[{"product": lathe.pk, "quantity": 6}]
    )
    assert third.total > 0


def test_an_order_against_an_unsigned_contract_is_refused(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    draft = contract_services.contract_create(actor=shop.alice, customer=client, data=terms())
    with pytest.raises(ValidationError) as refused:
        services.order_create(actor=shop.alice, customer=client, data={}, contract=draft, lines=[{"product": lathe.pk}])
    assert "contract" in refused.value.message_dict


def test_deliveries_invoices_and_receipts_roll_up_and_move_the_status(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    drill = product(shop.root, "P-002", name="台钻")
    order = services.order_create(
        actor=shop.alice, customer=client, data={},
        lines=[{"product": lathe.pk, "quantity": 2}, {"product": drill.pk, "quantity": 1}],
    )  # fmt: skip
    with pytest.raises(Conflict):
        services.order_delivered(actor=shop.alice, order=order, quantities={})  # a draft takes no delivery
    services.order_confirm(actor=shop.alice, order=order)
    first, second = order.lines.order_by("position")
    order = services.order_delivered(actor=shop.alice, order=order, quantities={first.pk: Decimal(1)})
    assert order.status == OrderStatus.PARTIALLY_DELIVERED and order.delivered_quantity == 1
    with pytest.raises(ValidationError):
        services.order_delivered(actor=shop.alice, order=order, quantities={first.pk: Decimal(2)})
    order = services.order_delivered(
        actor=shop.alice, order=order, quantities={first.pk: Decimal(1), second.pk: Decimal(1)}
    )
    assert order.status == OrderStatus.DELIVERED and order.delivered_quantity == 3
    assert OrderLine.objects.get(pk=first.pk).delivered_quantity == 2
    order = services.order_invoiced(actor=shop.alice, order=order, amount=Decimal("1000"))
    with pytest.raises(DomainError):
        services.order_invoiced(actor=shop.alice, order=order, amount=order.total)
    order = services.order_received(actor=shop.alice, order=order, amount=Decimal("500"))
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.invoiced_amount, fresh.received_amount) == (Decimal("1000"), Decimal("500"))
    with pytest.raises(Conflict):
        services.order_cancel(actor=shop.alice, order=order, reason="太晚了")
    assert services.order_complete(actor=shop.alice, order=order).status == OrderStatus.COMPLETED


def test_a_draft_order_is_edited_a_confirmed_one_is_not(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    order = services.order_create(actor=shop.alice, customer=client, data={}, lines=[{"product": lathe.pk}])
    with pytest.raises(Conflict):
        services.order_update(actor=shop.alice, order=order, version=99, data={"note": "x"})
    with pytest.raises(ValidationError):
        services.order_update(
            actor=shop.alice, order=order, version=order.version,
            data={"delivery_on": timezone.localdate() - timedelta(days=1)},
        )  # fmt: skip
    order = services.order_update(actor=shop.alice, order=order, version=order.version, data={"note": "加急"})
    services.order_confirm(actor=shop.alice, order=order)
    with pytest.raises(DomainError) as refused:
        services.order_update(actor=shop.alice, order=order, version=order.version + 1, data={"note": "y"})
    assert refused.value.code == "not_editable"


def test_the_customer_stays_won_while_a_signed_contract_remains(shop: World) -> None:
    client = customer(shop.alice)
    lathe = product(shop.root)
    signed(shop.alice, shop.bob, client)
    order = services.order_create(actor=shop.alice, customer=client, data={}, lines=[{"product": lathe.pk}])
    services.order_confirm(actor=shop.alice, order=order)
    services.order_cancel(actor=shop.alice, order=order, reason="重复")
    client.refresh_from_db()
    assert client.status == Lifecycle.WON
