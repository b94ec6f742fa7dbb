"""Builders for the contract and order tests."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.contracts import services as contract_services
from guanxi.sales.contracts.models import Contract
from guanxi.sales.quotes.models import Quote
from guanxi.workflows import services as approvals
from guanxi.workflows.services import pending_request_for


def terms(**data: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": "设备采购合同",
        "amount": Decimal("11300.00"),
        "start_on": today,
        "end_on": today + timedelta(days=365),
        **data,
    }


def contract(actor: User, client: Customer, quote: Quote | None = None, **data: Any) -> Contract:
    return contract_services.contract_create(actor=actor, customer=client, data=terms(**data), quote=quote)


def approve(approver: User, row: Contract, record_type: str = contract_services.CONTRACT_APPROVAL) -> None:
    request = pending_request_for(record_type=record_type, obj=row)
    assert request is not None
    approvals.approval_decide(actor=approver, request=request, approve=True)


def signed(actor: User, approver: User, client: Customer, on: date | None = None, **data: Any) -> Contract:
    row = contract(actor, client, **data)
    contract_services.contract_submit(actor=actor, contract=row)
    approve(approver, row)
    return contract_services.contract_sign(actor=actor, contract=row, signed_on=on)
