"""A ticket names what it is about: one of the customer's contracts or orders, a product of the unit."""

import pytest

from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer
from guanxi.service import services
from tests.conftest import client_for, grant
from tests.customers.test_services import register
from tests.sales.contracting import contract
from tests.sales.quoting import product
from tests.service.conftest import Desk, open_ticket


def test_a_ticket_names_the_customers_contract_and_a_product_and_refuses_anothers(desk: Desk) -> None:
    grant(desk.root)
    theirs = contract(desk.root, desk.customer)
    other_customer = contract(desk.root, _another(desk))
    lathe = product(desk.root)
    ticket = open_ticket(desk.mei, desk.customer, contract=theirs, product=lathe)
    assert (ticket.contract, ticket.product) == (theirs, lathe)
    with pytest.raises(DomainError) as refused:
        open_ticket(desk.mei, desk.customer, contract=other_customer)
    assert refused.value.field == "contract"
    page = client_for(desk.mei).get(ticket.get_absolute_url())
    assert theirs.number in page.text and lathe.name in page.text
    updated = services.ticket_update(actor=desk.mei, ticket=ticket, version=ticket.version, data={"contract": None})
    assert updated.contract is None and updated.product == lathe  # what is not sent stays


def test_the_api_sets_and_checks_the_related_records(desk: Desk) -> None:
    grant(desk.root)
    theirs = contract(desk.root, desk.customer)
    client = client_for(desk.mei)
    body = {"customer": desk.customer.pk, "type": "repair", "channel": "phone_in", "priority": "normal",
            "subject": "合同设备故障", "contract": theirs.pk}  # fmt: skip
    created = client.post("/api/v1/tickets/", body, "application/json")
    assert created.status_code == 201 and created.json()["contract"] == theirs.pk
    wrong = client.post(
        "/api/v1/tickets/", {**body, "contract": contract(desk.root, _another(desk)).pk}, "application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_choice"


def _another(desk: Desk) -> Customer:
    n = Customer.all_objects.count()
    return register(desk.root, f"苏州第{n}机械有限公司", contact={"name": "李四", "mobile": f"1390000{n:04d}"})
