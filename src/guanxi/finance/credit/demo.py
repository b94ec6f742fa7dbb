"""The demo company's credit: in each business unit a regular customer who orders every quarter and pays on
time (an A), a bounced acceptance bill taken back by finance (a reversed receipt), a manager's override with
its note, then the nightly sweep — together with the overdue instalments of the money demo this gives ratings
from A to E with their reasons in both units. Built through the services; safe to load again."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.demo import as_of, office_moment
from guanxi.core.errors import DomainError
from guanxi.core.jobs import run_job
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit, User
from guanxi.sales.orders import services as orders
from guanxi.sales.orders.models import Order
from guanxi.sales.products.models import Product

from .. import services
from ..models import Receipt, ReceiptStatus
from . import services as credit
from .models import CreditOverride, CustomerCredit

# (unit code, salesperson, finance desk, manager who overrides)
UNITS = [("industrial", "sales1", "finance", "sh.manager"), ("auto", "auto.sales1", "auto.admin", "auto.manager")]
QUARTERS = (330, 240, 150, 60)  # days ago: an order a quarter, each paid a few days before it is due
OVERRIDE_NOTE = "集团战略客户，董事长担保，授信额度经总经理办公会批准"


def _regular(out: TextIO, unit: BusinessUnit, seller: User, desk: User) -> None:
    """Four orders over the year, about ¥30,000 each, every one paid before it was due."""
    if Order.objects.filter(business_unit=unit, note__startswith="季度补货").exists():
        return
    taken = Order.all_objects.values_list("customer_id", flat=True)
    fresh = Customer.objects.filter(owner=seller).exclude(pk__in=taken).exclude(receivables__isnull=False)
    customer = fresh.order_by("pk").first()
    product = Product.objects.filter(business_unit=unit, list_price__gt=0).order_by("list_price").first()
    if customer is None or product is None:
        return
    quantity = max(1, int(Decimal(30000) / product.list_price / Decimal("1.13")))
    today, rng = timezone.localdate(), random.Random(f"regular-{unit.code}")
    for number, ago in enumerate(QUARTERS):
        on = today - timedelta(days=ago)
        try:
            with as_of(office_moment(rng, on)):  # stamped and numbered on the day it was ordered
                order = orders.order_create(
                    actor=seller, customer=customer, data={"ordered_on": on, "note": f"季度补货 第{number + 1}批"},
                    lines=[{"product": product.pk, "quantity": quantity}],
                )  # fmt: skip
                order = orders.order_confirm(actor=seller, order=order)
                receivable = services.receivable_open(actor=seller, order=order)
                services.plan_create(actor=seller, receivable=receivable,
                                     data={"due_on": on + timedelta(days=30), "amount": receivable.amount})  # fmt: skip
            from ..demo import _receipt

            _receipt(seller, receivable, receivable.amount, on + timedelta(days=26), number)
        except (DomainError, ValidationError) as error:
            out.write(f"  skipped a regular order of {customer.name}: {error}\n")
            return


def _bounced(out: TextIO, unit: BusinessUnit, desk: User) -> None:
    """An acceptance bill that bounced: finance reverses the receipt."""
    if Receipt.objects.filter(business_unit=unit, status=ReceiptStatus.REVERSED).exists():
        return
    receipt = (
        Receipt.objects.filter(business_unit=unit, status=ReceiptStatus.APPROVED)
        .exclude(receivable__order__note__startswith="季度补货")
        .order_by("-received_on", "pk")
        .first()
    )
    if receipt is None:
        return
    try:
        services.receipt_reverse(actor=desk, receipt=receipt, reason="承兑汇票到期被拒付，已通知客户重新付款")
    except (DomainError, ValidationError) as error:
        out.write(f"  skipped the reversed receipt: {error}\n")


def _override(out: TextIO, unit: BusinessUnit, manager: User) -> None:
    """The manager lifts a poorly rated customer's limit, saying why."""
    if CreditOverride.objects.filter(business_unit=unit).exists():
        return
    row = CustomerCredit.objects.filter(business_unit=unit, rating__in=["d", "e"]).order_by("pk").first()
    if row is None:
        return
    try:
        credit.credit_override_set(actor=manager, customer=row.customer, rating="c", limit="800000",
                                   note=OVERRIDE_NOTE)  # fmt: skip
    except (DomainError, ValidationError) as error:
        out.write(f"  skipped the credit override: {error}\n")


def load(out: TextIO) -> None:
    for code, seller_name, desk_name, manager_name in UNITS:
        unit = BusinessUnit.objects.filter(code=code).first()
        people = {user.username: user for user in User.objects.filter(username__in=[seller_name, desk_name,
                                                                                     manager_name])}  # fmt: skip
        if unit is None or len(people) < 3:
            continue
        _regular(out, unit, people[seller_name], people[desk_name])
        _bounced(out, unit, people[desk_name])
    summary = run_job("credit_rate")
    for code, _seller, _desk, manager_name in UNITS:
        unit = BusinessUnit.objects.filter(code=code).first()
        manager = User.objects.filter(username=manager_name).first()
        if unit is not None and manager is not None:
            _override(out, unit, manager)
    spread = Counter(CustomerCredit.objects.values_list("rating", flat=True))
    shown = ", ".join(f"{rating.upper()} {spread[rating]}" for rating in "abcde")
    out.write(f"Demo credit: {summary}; ratings {shown}.\n")
