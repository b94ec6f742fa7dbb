"""Products and quotes for the benchmark (SPEC §7.1, §7.2): a catalogue of a fiftieth of the customers (20,000
at a million), as many quotes as opportunities (300,000) with five lines each (1.5 million), in every status,
and a pending approval for one quote in fifty, waiting for the owner's department lead. Added to a loaded
dataset when it has no products yet (``prepare``), with COPY, indexes built once after."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from guanxi.customers.keys import name_initials, name_pinyin
from guanxi.sales.models import Opportunity, Product, Quote, QuoteLine
from guanxi.workflows.models import ApprovalRequest, ApprovalTask

from .dataset import NULL, Out, copy_statement, indexes_deferred, stamp

CHUNK = 20_000
LINES = 5
PRODUCT_COLUMNS = [
    "id", "business_unit_id", "code", "name", "name_pinyin", "name_initials", "unit_of_measure", "list_price",
    "floor_price", "tax_rate", "on_sale", "created_at", "updated_at",
]  # fmt: skip
QUOTE_COLUMNS = [
    "id", "number", "business_unit_id", "customer_id", "owner_id", "created_by_id", "status", "valid_until",
    "list_amount", "discount_amount", "net_amount", "tax_amount", "total", "submitted_at", "created_at", "updated_at",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "quote_id", "position", "product_id", "description", "quantity", "unit_price", "discount_percent",
    "tax_rate", "net_amount", "tax_amount", "amount", "below_floor", "customer_id", "quoted_at",
]  # fmt: skip
KINDS = ["数控车床", "加工中心", "输送线", "机器人", "控制柜", "传感器", "伺服电机", "减速机", "空压机", "检测仪"]
SERIES = "甲乙丙丁戊己庚辛壬癸"
STATUSES = ["draft"] * 20 + ["pending"] * 2 + ["approved"] * 18 + ["sent"] * 30 + ["accepted"] * 15
STATUSES += ["rejected"] * 8 + ["expired"] * 7
YEAR = 365 * 86400
FEN = Decimal("0.01")
Catalogue = dict[int, list[tuple[int, Decimal, Decimal]]]  # unit → its products: (id, list price, floor price)
Approval = tuple[int, int, int, int, Decimal, float]  # quote, unit, submitter, approver, total, submitted


def prepare(out: Out) -> None:
    if Product.all_objects.exists():
        return
    quotes = Opportunity.all_objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
    if not customers:
        return
    started = time.monotonic()
    rng = random.Random(715)
    with transaction.atomic():
        catalogue = _load_products(max(200, customers // 50), rng, out)
        if quotes:
            _load_quotes(quotes, catalogue, rng, out)
    out(f"products and quotes loaded in {time.monotonic() - started:.0f} s")


def _row(fields: list[object]) -> str:
    return "\t".join(str(field) for field in fields)


def _load_products(count: int, rng: random.Random, out: Out) -> Catalogue:
    """``count`` products shared out over the units."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM org_businessunit ORDER BY id")
        unit_ids = [row[0] for row in cursor.fetchall()]
        statement, suffix = copy_statement(Product, PRODUCT_COLUMNS)
        created = stamp(time.time() - YEAR)
        catalogue: Catalogue = {unit: [] for unit in unit_ids}
        rows = []
        for pk in range(1, count + 1):
            unit = unit_ids[pk % len(unit_ids)]
            name = f"{rng.choice(KINDS)}{rng.choice(SERIES)}{pk:05d}型"
            price = Decimal(rng.randint(5, 5000) * 100)
            floor = (price * Decimal("0.85")).quantize(FEN)
            catalogue[unit].append((pk, price, floor))
            on_sale = "t" if rng.random() < 0.95 else "f"
            fields: list[object] = [pk, unit, f"P{pk:06d}", name, name_pinyin(name), name_initials(name), "台"]
            fields += [price, floor, "13.00", on_sale, created, created]
            rows.append(_row(fields) + suffix)
        with indexes_deferred(cursor, [Product._meta.db_table], out), cursor.cursor.copy(statement) as copy:
            copy.write("\n".join(rows) + "\n")
        _reset(cursor, [Product])
    return catalogue


def _load_quotes(count: int, catalogue: Catalogue, rng: random.Random, out: Out) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.owner_id, c.business_unit_id, d.lead_id FROM customers_customer c "
            "JOIN org_user u ON u.id = c.owner_id LEFT JOIN org_department d ON d.id = u.department_id "
            "WHERE c.owner_id IS NOT NULL AND c.deleted_at IS NULL AND mod(c.id, 2) = 0 ORDER BY c.id"
        )
        customers = [row for row in cursor.fetchall() if catalogue.get(row[2])]
        if not customers:
            return
        quote_copy, quote_suffix = copy_statement(Quote, QUOTE_COLUMNS)
        line_copy, line_suffix = copy_statement(QuoteLine, LINE_COLUMNS)
        now = time.time()
        line_id = 0
        approvals: list[Approval] = []
        with indexes_deferred(cursor, [Quote._meta.db_table, QuoteLine._meta.db_table], out):
            for start in range(0, count, CHUNK):
                quotes, lines = [], []
                for pk in range(start + 1, min(count, start + CHUNK) + 1):
                    customer, owner, unit, lead = rng.choice(customers)
                    status = rng.choice(STATUSES)
                    updated = now - rng.random() * YEAR
                    submitted = NULL if status == "draft" else stamp(updated)
                    gross = net = tax = Decimal(0)
                    offered = catalogue[unit]
                    for position, (product, price, floor) in enumerate(rng.sample(offered, k=min(LINES, len(offered)))):
                        line_id += 1
                        quantity = Decimal(rng.randint(1, 10))
                        discount = Decimal(rng.choice([0, 0, 0, 5, 10, 20]))
                        line_net = (quantity * price * (100 - discount) / 100).quantize(FEN, ROUND_HALF_UP)
                        line_tax = (line_net * 13 / 100).quantize(FEN, ROUND_HALF_UP)
                        gross, net, tax = gross + quantity * price, net + line_net, tax + line_tax
                        below = "t" if price * (100 - discount) / 100 < floor else "f"
                        fields: list[object] = [line_id, pk, position, product, "", quantity, price, discount]
                        fields += ["13.00", line_net, line_tax, line_net + line_tax, below, customer, submitted]
                        lines.append(_row(fields) + line_suffix)
                    valid = time.strftime("%Y-%m-%d", time.localtime(updated + 30 * 86400))
                    fields = [pk, f"BJB{pk:09d}", unit, customer, owner, owner, status, valid, gross, gross - net]
                    fields += [net, tax, net + tax, submitted, stamp(updated - 86400), stamp(updated)]
                    quotes.append(_row(fields) + quote_suffix)
                    if status == "pending" and lead and lead != owner:
                        approvals.append((pk, unit, owner, lead, net + tax, updated))
                with cursor.cursor.copy(quote_copy) as copy:
                    copy.write("\n".join(quotes) + "\n")
                with cursor.cursor.copy(line_copy) as copy:
                    copy.write("\n".join(lines) + "\n")
        _reset(cursor, [Quote, QuoteLine])
    _load_approvals(approvals)
    out(f"{count} quotes with {line_id} lines, {len(approvals)} waiting for approval")


def _load_approvals(approvals: list[Approval]) -> None:
    requests = ApprovalRequest.objects.bulk_create(
        ApprovalRequest(
            business_unit_id=unit,
            record_type="sales.quote",
            object_id=str(pk),
            title=f"BJB{pk:09d}",
            amount=total,
            submitter_id=owner,
            submitted_at=datetime.fromtimestamp(submitted, UTC),
        )
        for pk, unit, owner, _lead, total, submitted in approvals
    )
    ApprovalTask.objects.bulk_create(
        ApprovalTask(request=request, position=1, approver_id=approval[3], reason="manager")
        for request, approval in zip(requests, approvals, strict=True)
    )
    with connection.cursor() as cursor:  # fresh statistics, or the planner guesses one row and loops
        cursor.execute(f"ANALYZE {ApprovalRequest._meta.db_table}, {ApprovalTask._meta.db_table}")


def _reset(cursor: Any, models: list[type[Model]]) -> None:
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(statement)
    for model in models:
        cursor.execute(f"ANALYZE {model._meta.db_table}")
