"""The demo company's contracts and orders: contracts in every state (one ends next week, one void waits for
approval), made from the accepted quotes where there are some; orders from a contract, from a quote and typed,
one of them partially delivered. Built through the services, approved by the people the engine asks, each step
as of a working hour of its own day (drafted, submitted, approved the next working day, signed)."""

from __future__ import annotations

import random
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.demo import as_of, office_moment
from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.workflows.models import ApprovalRequest, ApprovalTask, Decision
from guanxi.workflows.services import approval_decide, pending_request_for

from ..orders import services as orders
from ..orders.models import Order
from ..products.models import Product
from ..quotes.models import Quote
from . import services
from .models import Contract

# (salesperson, the state the contract reaches, its start in days from today, its length in days)
PLAN: list[tuple[str, str, int, int]] = [
    ("sales1", "in_progress", -200, 365), ("sales1", "expiring", -358, 365), ("sales2", "signed", 10, 365),
    ("sales1", "approved", 20, 180), ("sales2", "pending", 30, 365), ("sales1", "draft", 30, 365),
    ("sales2", "completed", -400, 300), ("sales1", "terminated", -300, 365), ("sales2", "voided", -60, 365),
    ("sales1", "void_pending", -30, 365),
    ("auto.sales1", "signed", 0, 30), ("auto.sales2", "in_progress", -20, 60), ("auto.sales1", "draft", 5, 30),
]  # fmt: skip


def _decide(request: ApprovalRequest | None, *, approve: bool = True) -> None:
    """The approver the engine asked decides each step in turn."""
    while request is not None and request.is_pending:
        task = (
            ApprovalTask.objects.filter(request=request, position=request.step, decision=Decision.PENDING)
            .select_related("approver")
            .first()
        )
        if task is None:
            return
        request = approval_decide(actor=task.approver, request=request, approve=approve, comment="同意")


def order_confirmed(seller: User, order: Order) -> Order:
    """Confirm a demo order; one held for approval (above the customer's credit) is approved by the manager."""
    order = orders.order_confirm(actor=seller, order=order)
    if order.status == "pending":
        _decide(pending_request_for(record_type=orders.ORDER_APPROVAL, obj=order))
        order.refresh_from_db()
    return order


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def moments_of(rng: random.Random, quote: Quote | None, start_on: date) -> list[datetime]:
    """When a demo contract is drafted, submitted, approved and signed: signed a week before it starts (today at
    the latest), drafted about two weeks before that and after its quote was answered."""
    now = timezone.now()
    drafted_on = _workday(min(start_on, timezone.localdate()) - timedelta(days=21))
    if quote is not None and quote.closed_at is not None:
        drafted_on = max(drafted_on, timezone.localtime(quote.closed_at).date() + timedelta(days=1))
    drafted = office_moment(rng, min(drafted_on, timezone.localdate()), hours=(9, 12))
    steps = [drafted, drafted + timedelta(hours=2), drafted + timedelta(days=1, hours=1)]
    signed_on = max(min(start_on - timedelta(days=7), timezone.localdate()), steps[-1].date() + timedelta(days=2))
    steps.append(office_moment(rng, _workday(signed_on), hours=(13, 17)))
    return [min(moment, now - timedelta(minutes=30 * (4 - position))) for position, moment in enumerate(steps)]


def _contract(seller: User, customer: Customer, state: str, start: int, length: int, index: int) -> Contract:
    today = timezone.localdate()
    start_on = today + timedelta(days=start)
    end_on = start_on + timedelta(days=length) if state != "expiring" else today + timedelta(days=6)
    quote = Quote.objects.filter(customer=customer, status="accepted").first()
    data: dict[str, Any] = {
        "title": f"{customer.name[:20]} 采购合同" if state != "completed" else f"{customer.name[:20]} 年度维保合同",
        "start_on": start_on, "end_on": end_on, "our_signatory": str(seller), "their_signatory": "张总",
        "payment_terms": "合同签订后预付 30%，发货前付清余款",
        "amount": None if quote else Decimal(120000 + 15000 * index),
    }  # fmt: skip
    product = Product.objects.filter(business_unit_id=customer.business_unit_id).order_by("pk")[index % 3]
    lines = None if quote else [{"product": product.pk, "quantity": 2 + index % 3}]
    if lines:
        data["amount"] = None  # the lines' total
    drafted, submitted, approved, signing = moments_of(random.Random(index), quote, start_on)
    with as_of(drafted):
        row = services.contract_create(actor=seller, customer=customer, data=data, quote=quote, lines=lines)
    if state == "draft":
        return row
    with as_of(submitted):
        services.contract_submit(actor=seller, contract=row)
    if state == "pending":
        return Contract.objects.get(pk=row.pk)
    with as_of(approved):
        _decide(pending_request_for(record_type=services.CONTRACT_APPROVAL, obj=row))
    if state == "approved":
        return Contract.objects.get(pk=row.pk)
    with as_of(signing):
        row = services.contract_sign(actor=seller, contract=row, signed_on=timezone.localdate())
    services.contracts_start(at=timezone.now())
    later = office_moment(random.Random(index), _workday(today - timedelta(days=3)), hours=(9, 14))
    with as_of(max(later, signing + timedelta(hours=1))):
        if state == "completed":
            return services.contract_close(actor=seller, contract=row)
        if state == "terminated":
            return services.contract_close(
                actor=seller, contract=row, terminate=True, reason="客户经营调整，双方协商提前终止"
            )
        if state in ("voided", "void_pending"):
            row = services.contract_void(actor=seller, contract=row, reason="合同金额录入错误，需重签")
    if state == "voided":
        with as_of(max(later, signing + timedelta(hours=1)) + timedelta(hours=2)):
            _decide(pending_request_for(record_type=services.CONTRACT_VOID, obj=row))
            services.contract_copy(actor=seller, contract=row)
    return Contract.objects.get(pk=row.pk)


def _orders(out: TextIO, signed: list[Contract]) -> int:
    made, today = 0, timezone.localdate()
    for index, contract in enumerate(signed[:3]):
        seller = contract.owner
        catalogue = list(Product.objects.filter(business_unit_id=contract.business_unit_id).order_by("pk")[:2])
        lines = (
            None if contract.lines.exists() else [{"product": p.pk, "quantity": 2 + i} for i, p in enumerate(catalogue)]
        )
        day = max(contract.signed_on or today, today - timedelta(days=3))
        # placed and confirmed on the day it was ordered (today's at the moment the demo is loaded)
        with as_of(office_moment(random.Random(contract.pk), day)) if day < today else nullcontext():
            order = orders.order_create(
                actor=seller, customer=contract.customer, contract=contract, lines=lines,
                data={"ordered_on": day, "delivery_address": contract.customer.address or "上海市浦东新区张江路 88 号"},
            )  # fmt: skip
            if index != 2:  # the third stays a draft
                order = order_confirmed(seller, order)
        made += 1
        first = order.lines.order_by("position").first() if index == 0 else None
        if first is not None:  # the first: partially delivered, invoiced and partly paid
            half = (first.quantity / 2).quantize(Decimal("0.01")) or first.quantity
            orders.order_delivered(actor=seller, order=order, quantities={first.pk: half})
            orders.order_invoiced(
                actor=seller, order=order, amount=(order.total * Decimal("0.3")).quantize(Decimal("0.01"))
            )
            orders.order_received(
                actor=seller, order=order, amount=(order.total * Decimal("0.3")).quantize(Decimal("0.01"))
            )
    # one order straight from an accepted quote, confirmed
    quote = Quote.objects.filter(status="accepted", orders__isnull=True).order_by("pk").first()
    if quote is not None:
        order = orders.order_create(actor=quote.owner, customer=quote.customer, quote=quote, data={})
        order_confirmed(quote.owner, order)
        made += 1
    return made


def load(out: TextIO) -> None:
    if Contract.all_objects.exists():
        out.write(f"Demo contracts: {Contract.objects.count()} already there.\n")
        return
    made, signed = 0, []
    for index, (username, state, start, length) in enumerate(PLAN):
        seller = User.objects.filter(username=username).first()
        if seller is None:
            continue
        taken = Contract.objects.values_list("customer_id", flat=True)
        customer = Customer.objects.filter(owner=seller).exclude(pk__in=taken).order_by("-quotes__status", "pk").first()
        if customer is None:
            continue
        try:
            row = _contract(seller, customer, state, start, length, index)
        except (DomainError, ValidationError) as error:
            out.write(f"  skipped one contract: {error}\n")
            continue
        made += 1
        if row.status in ("signed", "in_progress"):
            signed.append(row)
    out.write(f"Demo contracts: {made} in every state; one ends next week.\n")
    try:
        out.write(f"Demo orders: {_orders(out, signed)}, one partially delivered.\n")
    except (DomainError, ValidationError) as error:
        out.write(f"  orders skipped: {error}\n")
