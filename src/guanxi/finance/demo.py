"""The demo company's money: a year of payment plans on every signed contract of both units (plus a few more
contracts signed over the year), receipts confirmed by finance through the engine, invoices issued, delivery
notes of the confirmed orders, and unpaid instalments overdue in each ageing bucket. Built through the
services; safe to load again."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.demo import as_of
from guanxi.core.errors import DomainError
from guanxi.core.jobs import run_job
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit, User
from guanxi.sales.contracts import services as contracts
from guanxi.sales.contracts.demo import _decide, moments_of
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order
from guanxi.sales.products.models import Product
from guanxi.workflows.services import approval_flow_save, pending_request_for

from . import services
from .models import Delivery, Invoice, Receipt, Receivable

# Who confirms receipts in each unit: the group's finance in the industrial unit, the unit admin in the other.
DESK = {"industrial": "finance", "auto": "auto.admin"}
# Extra contracts signed over the year: (salesperson, days ago signed, amount)
MORE = [
    ("sales1", 330, 268000), ("sales2", 260, 156000), ("sales3", 190, 98000), ("sales4", 120, 342000),
    ("sales2", 75, 64000), ("auto.sales1", 300, 189000), ("auto.sales2", 160, 226000), ("auto.sales3", 95, 412000),
]  # fmt: skip
# Instalments in days from today, and how much of each is paid: the variety puts unpaid instalments in every
# ageing bucket (0–30, 31–60, 61–90, > 90 days).
SHAPES: list[list[tuple[int, Decimal | int]]] = [
    [(-150, 1), (-100, 0), (-10, Decimal("0.4")), (60, 0)],
    [(-200, 1), (-70, 0), (30, 0)],
    [(-45, 0), (15, 0), (75, 0)],
    [(-300, 1), (-20, 1), (40, 0)],
    [(-240, 1), (-120, Decimal("0.5")), (-5, 0)],
]
METHODS = ["transfer", "transfer", "acceptance", "transfer", "cheque", "online"]
ACCOUNTS = {
    "industrial": "中国工商银行上海张江支行 1001 2345 6789 0123 456",
    "auto": "招商银行杭州分行 5719 0888 6610 201",
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _desks(out: TextIO) -> dict[int, User]:
    admin = User.objects.filter(username="admin").first()
    desks: dict[int, User] = {}
    for code, username in DESK.items():
        unit = BusinessUnit.objects.filter(code=code).first()
        person = User.objects.filter(username=username).first()
        if unit is None or person is None or admin is None:
            continue
        steps = [{"kind": "user", "user": person}]
        try:
            approval_flow_save(actor=admin, unit=unit, record_type=services.RECEIPT_APPROVAL, steps=steps)
        except (DomainError, ValidationError) as error:
            out.write(f"  receipt flow of {code} skipped: {error}\n")
            continue
        desks[unit.pk] = person
    return desks


def _more_contracts(out: TextIO) -> None:
    today = timezone.localdate()
    for seller_name, ago, amount in MORE:
        seller = User.objects.filter(username=seller_name).first()
        if seller is None:
            continue
        taken = Contract.all_objects.values_list("customer_id", flat=True)
        customer = Customer.objects.filter(owner=seller).exclude(pk__in=taken).order_by("pk").first()
        if customer is None:
            continue
        start = today - timedelta(days=ago)
        data = {
            "title": f"{customer.name[:20]} 设备采购合同", "amount": Decimal(amount), "start_on": start,
            "end_on": start + timedelta(days=365), "our_signatory": str(seller), "their_signatory": "王经理",
            "payment_terms": "合同签订后预付 30%，到货验收后付 60%，质保金 10% 一年后付清",
        }  # fmt: skip
        drafted, submitted, approved, signing = moments_of(random.Random(ago), None, start)
        try:
            with as_of(drafted):
                row = contracts.contract_create(actor=seller, customer=customer, data=data)
            with as_of(submitted):
                contracts.contract_submit(actor=seller, contract=row)
            with as_of(approved):
                _decide(pending_request_for(record_type=contracts.CONTRACT_APPROVAL, obj=row))
            with as_of(signing):
                contracts.contract_sign(actor=seller, contract=row, signed_on=timezone.localdate())
        except (DomainError, ValidationError) as error:
            out.write(f"  skipped one contract: {error}\n")
    contracts.contracts_start(at=timezone.now())


def _receipt(seller: User, receivable: Receivable, amount: Decimal, on: date, index: int) -> None:
    unit = receivable.business_unit.code
    row = services.receipt_create(actor=seller, receivable=receivable, data={
        "received_on": on, "amount": amount, "method": METHODS[index % len(METHODS)], "account": ACCOUNTS.get(unit, ""),
        "payer": receivable.customer.name, "reference": f"{on:%Y%m%d}{receivable.pk:04d}{index:02d}",
    })  # fmt: skip
    services.receipt_submit(actor=seller, receipt=row)
    _decide(pending_request_for(record_type=services.RECEIPT_APPROVAL, obj=row))
    moment = _at(on, 10 + index % 6, 15 * (index % 4))
    Receipt.objects.filter(pk=row.pk).update(created_at=moment, submitted_at=moment,
                                             decided_at=moment + timedelta(hours=2))  # fmt: skip


def _invoice(seller: User, desk: User | None, receivable: Receivable, amount: Decimal, on: date, issue: bool) -> None:
    billing = services.billing_of(receivable.customer)
    special = not services.tax_number_problem(billing["tax_number"]) and billing["tax_number"]
    data = {**billing, "kind": "special" if special else "normal"}
    if not special:
        data["tax_number"] = ""
    lines = [{"description": f"{receivable.number} 设备款", "quantity": 1, "tax_rate": 13, "amount": amount}]
    invoice = services.invoice_request(actor=seller, receivable=receivable, data=data, lines=lines)
    if issue and desk is not None:
        services.invoice_issue(actor=desk, invoice=invoice, invoice_number=f"{on:%y}{invoice.pk:08d}", issued_on=on)
    Invoice.objects.filter(pk=invoice.pk).update(created_at=_at(on, 14, 30))


def _money(out: TextIO, desks: dict[int, User]) -> int:
    today = timezone.localdate()
    made = 0
    rows = Contract.objects.filter(status__in=services.common.MONEY_CONTRACT).select_related("owner").order_by("pk")
    for index, contract in enumerate(rows):
        seller = contract.owner
        if Receivable.objects.filter(contract=contract).exists():
            continue
        try:
            receivable = services.receivable_open(actor=seller, contract=contract)
            shape = SHAPES[index % len(SHAPES)]
            amounts = services.split_amount(receivable.amount, [Decimal(100) / len(shape)] * len(shape))
            for (days, _paid), amount in zip(shape, amounts, strict=True):
                services.plan_create(actor=seller, receivable=receivable,
                                     data={"due_on": today + timedelta(days=days), "amount": amount})  # fmt: skip
            for number, ((days, paid), amount) in enumerate(zip(shape, amounts, strict=True)):
                if paid:
                    on = min(today, today + timedelta(days=days + 3 + number))
                    _receipt(seller, receivable, (amount * Decimal(paid)).quantize(Decimal("0.01")), on, number)
            receivable.refresh_from_db()
            half = (receivable.amount / 2).quantize(Decimal("0.01"))
            first_due = today + timedelta(days=shape[0][0])
            _invoice(seller, desks.get(receivable.business_unit_id), receivable, half, min(first_due, today),
                     issue=index % 3 != 2)  # fmt: skip
            made += 1
        except (DomainError, ValidationError) as error:
            out.write(f"  skipped the money of {contract.number}: {error}\n")
    return made


def _deliveries(out: TextIO) -> int:
    made = 0
    today = timezone.localdate()
    for index, order in enumerate(Order.objects.filter(status__in=["confirmed", "partially_delivered"]).order_by("pk")):
        if Delivery.all_objects.filter(order=order).exists():
            continue
        left = services.remaining(order)
        # half of what is left goes out (whole units), so the orders stay partially delivered
        lines = [{"order_line": pk, "quantity": max(quantity // 2, 1)} for pk, quantity in left.items() if quantity > 0]
        if not lines:
            continue
        try:
            note = services.delivery_create(actor=order.owner, order=order, lines=lines, data={
                "shipped_on": today - timedelta(days=2), "carrier": ["顺丰速运", "德邦物流", "中通快运"][index % 3],
                "tracking_number": f"SF{order.pk:06d}{index:04d}", "receiver": "仓库 李师傅",
            })  # fmt: skip
            if index % 2 == 0 or order.status == "confirmed":
                services.delivery_ship(actor=order.owner, delivery=note)
            made += 1
        except (DomainError, ValidationError) as error:
            out.write(f"  skipped a delivery note of {order.number}: {error}\n")
    return made


def load(out: TextIO) -> None:
    from .credit import demo as credit

    _load(out)
    credit.load(out)  # the ratings come from the money above


def _load(out: TextIO) -> None:
    if Receivable.objects.exists():
        out.write(f"Demo money: {Receivable.objects.count()} receivables already there.\n")
        return
    if not Product.objects.exists():
        out.write("Demo money: no products, nothing to do.\n")
        return
    desks = _desks(out)
    _more_contracts(out)
    made = _money(out, desks)
    deliveries = _deliveries(out)
    overdue = run_job("payments_overdue")
    out.write(f"Demo money: {made} contracts with plans, receipts and invoices; {deliveries} delivery notes; "
              f"{overdue}.\n")  # fmt: skip
