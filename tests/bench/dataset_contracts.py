"""Contracts and orders for the benchmark (SPEC §7.3, §7.4): a contract for one customer in five (200,000 at a
million) in every status, their ends spread over two years either side of today, so the expiry sweep has a
month's worth due; two orders per contract (400,000) with two lines each, partly delivered. Added to a loaded
dataset that has its products but no contracts yet (``prepare``), with COPY, indexes built once after."""

from __future__ import annotations

import random
import time
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from guanxi.sales.models import Contract, Order, OrderLine

from .dataset import NULL, Out, copy_statement, indexes_deferred, stamp
from .dataset_quotes import _reset, _row

CHUNK = 20_000
CONTRACT_COLUMNS = [
    "id", "number", "business_unit_id", "customer_id", "owner_id", "created_by_id", "title", "status", "amount",
    "start_on", "end_on", "signed_on", "created_at", "updated_at",
]  # fmt: skip
ORDER_COLUMNS = [
    "id", "number", "business_unit_id", "customer_id", "contract_id", "owner_id", "created_by_id", "status",
    "ordered_on", "net_amount", "tax_amount", "total", "ordered_quantity", "delivered_quantity", "invoiced_amount",
    "received_amount", "created_at", "updated_at",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "order_id", "position", "product_id", "quantity", "unit_price", "discount_percent", "tax_rate",
    "net_amount", "tax_amount", "amount", "delivered_quantity",
]  # fmt: skip
STATUSES = ["draft"] * 8 + ["pending"] * 4 + ["approved"] * 6 + ["signed"] * 10 + ["in_progress"] * 45
STATUSES += ["completed"] * 20 + ["terminated"] * 3 + ["voided"] * 4
SIGNED = {"signed", "in_progress", "completed", "terminated", "voided"}
ORDER_STATUSES = ["draft", "confirmed", "confirmed", "partially_delivered", "delivered", "completed", "cancelled"]
DAY = 86400
FEN = Decimal("0.01")


def _day(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(seconds))


def prepare(out: Out) -> None:
    from .dataset_quotes import prepare as products_and_quotes

    products_and_quotes(out)  # the catalogue first (its module loads after this one, by name)
    if Contract.all_objects.exists():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
        cursor.execute("SELECT business_unit_id, id, list_price FROM sales_product WHERE on_sale ORDER BY id")
        catalogue: dict[int, list[tuple[int, Decimal]]] = {}
        for unit, pk, price in cursor.fetchall():
            catalogue.setdefault(unit, []).append((pk, price))
    if not customers or not catalogue:
        return
    started = time.monotonic()
    with transaction.atomic():
        _load(customers // 5, catalogue, random.Random(716), out)
    out(f"contracts and orders loaded in {time.monotonic() - started:.0f} s")


def _load(count: int, catalogue: dict[int, list[tuple[int, Decimal]]], rng: random.Random, out: Out) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, owner_id, business_unit_id FROM customers_customer "
            "WHERE owner_id IS NOT NULL AND deleted_at IS NULL AND mod(id, 3) = 0 ORDER BY id"
        )
        customers = [row for row in cursor.fetchall() if catalogue.get(row[2])]
        if not customers:
            return
        contract_copy, contract_suffix = copy_statement(Contract, CONTRACT_COLUMNS)
        order_copy, order_suffix = copy_statement(Order, ORDER_COLUMNS)
        line_copy, line_suffix = copy_statement(OrderLine, LINE_COLUMNS)
        now = time.time()
        order_id = line_id = 0
        tables = [Contract._meta.db_table, Order._meta.db_table, OrderLine._meta.db_table]
        with indexes_deferred(cursor, tables, out):
            for start in range(0, count, CHUNK):
                contracts, orders, lines = [], [], []
                for pk in range(start + 1, min(count, start + CHUNK) + 1):
                    customer, owner, unit = customers[(pk * 7919) % len(customers)]
                    status = rng.choice(STATUSES)
                    begins = now + rng.uniform(-730, 365) * DAY
                    ends = begins + rng.choice([180, 365, 730]) * DAY
                    signed = _day(begins - 7 * DAY) if status in SIGNED else NULL
                    amount = Decimal(rng.randint(10, 5000) * 1000)
                    updated = min(now, begins) - rng.random() * 30 * DAY
                    fields: list[object] = [pk, f"HTB{pk:09d}", unit, customer, owner, owner, f"采购合同 {pk}"]
                    fields += [status, amount, _day(begins), _day(ends), signed, stamp(updated - DAY), stamp(updated)]
                    contracts.append(_row(fields) + contract_suffix)
                    for _n in range(2):
                        order_id += 1
                        order_status = rng.choice(ORDER_STATUSES) if status in SIGNED else "draft"
                        net = quantity = delivered = Decimal(0)
                        for position, (product, price) in enumerate(rng.sample(catalogue[unit], k=2)):
                            line_id += 1
                            qty = Decimal(rng.randint(1, 10))
                            done = {"partially_delivered": qty // 2, "delivered": qty, "completed": qty}.get(
                                order_status, Decimal(0)
                            )
                            line_net = (qty * price).quantize(FEN, ROUND_HALF_UP)
                            line_tax = (line_net * 13 / 100).quantize(FEN, ROUND_HALF_UP)
                            net, quantity, delivered = net + line_net, quantity + qty, delivered + done
                            fields = [
                                line_id,
                                order_id,
                                position,
                                product,
                                qty,
                                price,
                                "0",
                                "13.00",
                                line_net,
                                line_tax,
                            ]
                            fields += [line_net + line_tax, done]
                            lines.append(_row(fields) + line_suffix)
                        tax = (net * 13 / 100).quantize(FEN, ROUND_HALF_UP)
                        fields = [order_id, f"DDB{order_id:09d}", unit, customer, pk, owner, owner, order_status]
                        fields += [_day(min(now, begins + 10 * DAY)), net, tax, net + tax, quantity, delivered]
                        fields += ["0", "0", stamp(updated), stamp(updated)]
                        orders.append(_row(fields) + order_suffix)
                with cursor.cursor.copy(contract_copy) as copy:
                    copy.write("\n".join(contracts) + "\n")
                with cursor.cursor.copy(order_copy) as copy:
                    copy.write("\n".join(orders) + "\n")
                with cursor.cursor.copy(line_copy) as copy:
                    copy.write("\n".join(lines) + "\n")
        _reset(cursor, [Contract, Order, OrderLine])
    out(f"{count} contracts, {order_id} orders with {line_id} lines")
