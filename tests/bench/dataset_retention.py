"""Churn and care for the benchmark (SPEC §10): the customers with confirmed orders become won as of their last
order, one in seven of them churned (the risk model's outcomes); each unit gets birthday, holiday and
anniversary care rules; one churn scan leaves the inbox its alerts. Idempotent, on top of a loaded dataset
with its orders (``dataset_contracts``)."""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from guanxi.org.models import BusinessUnit
from guanxi.retention.models import CareRule, ChurnAlert
from guanxi.retention.services import churn_scan
from guanxi.sales.orders.models import DEAL_STATUSES

from .dataset import Out

RULES = [
    ("生日关怀", "birthday", 7, "{occasion}您好，祝您生日快乐！"),
    ("节日问候", "holiday", 5, "{customer}：{occasion}快乐！"),
    ("合作周年", "anniversary", 7, "感谢{customer}合作{occasion}周年。"),
]


def prepare(out: Out) -> None:
    from .dataset_contracts import prepare as contracts_and_orders

    contracts_and_orders(out)
    if CareRule.objects.exists() or ChurnAlert.objects.exists():
        return
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer c SET status = 'won', last_order_at = o.last "
            "FROM (SELECT customer_id, max(ordered_on)::timestamptz AS last FROM sales_order "
            "      WHERE status = ANY(%s) GROUP BY customer_id) o "
            "WHERE c.id = o.customer_id AND c.owner_id IS NOT NULL",
            [list(DEAL_STATUSES)],
        )
        won = cursor.rowcount
        cursor.execute("UPDATE customers_customer SET status = 'churned' WHERE status = 'won' AND mod(id, 7) = 0")
        for unit in BusinessUnit.objects.all():
            CareRule.objects.bulk_create(
                CareRule(business_unit=unit, name=name, kind=kind, days_ahead=ahead, template=template)
                for name, kind, ahead, template in RULES
            )
    totals = churn_scan(timezone.now())
    out(f"churn and care: {won:,} won customers, {totals['raised']:,} alerts in {time.monotonic() - started:.0f} s")
