"""Races of contracts and orders decided by the database (PostgreSQL row locks and unique constraints)."""

from collections.abc import Callable

import pytest

from guanxi.org.models import User
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders import services as order_services
from guanxi.sales.orders.models import Order
from guanxi.workflows.services import pending_request_for
from tests.conftest import World, grant

from .contracting import terms
from .quoting import customer, product
from .test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_contracts_typing_one_number_at_once_one_is_refused(sales: World) -> None:
    client = customer(sales.alice)

    def make() -> Callable[[], object]:
        return lambda: contract_services.contract_create(
            actor=User.objects.get(pk=sales.alice.pk), customer=client, data=terms(number="HT-RACE-1")
        )

    assert sorted(at_once(make(), make())) == ["DuplicateNumber", "done"]
    assert Contract.objects.filter(number="HT-RACE-1").count() == 1


def test_two_orders_for_the_last_units_of_a_contract_at_once_one_is_refused(sales: World) -> None:
    grant(sales.root)
    client = customer(sales.alice)
    lathe = product(sales.root)
    row = contract_services.contract_create(
        actor=sales.alice, customer=client, data=terms(), lines=[{"product": lathe.pk, "quantity": 3}]
    )
    contract_services.contract_submit(actor=sales.alice, contract=row)
    request = pending_request_for(record_type=contract_services.CONTRACT_APPROVAL, obj=row)
    assert request is not None
    from guanxi.workflows.services import approval_decide

    approval_decide(actor=sales.bob, request=request, approve=True)
    contract_services.contract_sign(actor=sales.alice, contract=row)

    def order() -> Callable[[], object]:
        return lambda: order_services.order_create(
            actor=User.objects.get(pk=sales.alice.pk),
            customer=client,
            data={},
            contract=Contract.objects.get(pk=row.pk),
            lines=[{"product": lathe.pk, "quantity": 2}],
        )

    assert sorted(at_once(order(), order())) == ["ValidationError", "done"]
    assert Order.objects.count() == 1
