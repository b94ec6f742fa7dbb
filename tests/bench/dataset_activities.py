"""The activities part of the benchmark dataset: about five follow-ups per customer (5,000,000 for the full
million) and about one open plan per customer (1,000,000), loaded with COPY after the customers. Each customer
that dataset.py gave a next follow-up time (±30 days around now) gets its earliest open plan due exactly then
and a few later ones, so ``Customer.next_followup_at`` is already in step (no UPDATE of a million rows)."""

from __future__ import annotations

import random
import time
from typing import Any

from django.db import connection, transaction

from guanxi.activities.models import FollowUp, Plan

from .dataset import Out, Params, copy_statement, indexes_deferred, stamp

FOLLOWUPS_PER_CUSTOMER = 5  # on average: 0 to 10 each
# Customers with a next follow-up (about 34% of all in dataset.py) get 1 + 0…4 open plans: ~1 per customer.
EXTRA_PLANS = 2
CHUNK = 20_000  # customers per COPY round
DAY = 86400
FOLLOWUP_COLUMNS = [
    "id", "customer_id", "owner_id", "created_by_id", "channel", "occurred_at", "content", "feedback", "next_step",
    "created_at", "updated_at",
]  # fmt: skip
PLAN_COLUMNS = [
    "id", "customer_id", "owner_id", "created_by_id", "kind", "subject", "starts_at", "due_at", "status", "origin",
    "created_at", "updated_at",
]  # fmt: skip
CHANNELS = ["phone"] * 5 + ["visit", "showroom", "wechat", "wechat", "email", "sms", "meeting"]
FEEDBACK = ["", "", "", "interested", "considering", "waiting_price_drop", "comparing", "budget", "concerns"]
NOTES = [
    "电话沟通了产品配置和价格, 客户比较关注优惠政策。",
    "客户到店看了样品, 对颜色有顾虑, 约下周再谈。",
    "微信发送了报价单, 客户说要和家人商量。",
    "上门拜访, 见到了采购负责人, 介绍了售后服务。",
    "客户在比较其他品牌, 需要准备竞品对比资料。",
    "确认了交付时间, 客户希望月底前到货。",
]
SUBJECTS = ["电话回访", "发送报价", "邀请到店", "上门拜访", "确认需求", "跟进付款方式"]
PLAN_KINDS = ["call", "call", "call", "visit", "showroom", "wechat", "email", "meeting"]


def loaded() -> bool:
    return FollowUp.all_objects.exists() or Plan.all_objects.exists()


def ensure(params: Params, *, out: Out) -> None:
    """Load the activities rows into a customers dataset that has none yet (a dataset loaded before)."""
    if not loaded():
        load(params, out=out)


def load(params: Params, *, out: Out = print) -> tuple[int, int]:
    started = time.monotonic()
    rng = random.Random(params.seed + 6)
    now = time.time()
    followup_copy, followup_rest = copy_statement(FollowUp, FOLLOWUP_COLUMNS)
    plan_copy, plan_rest = copy_statement(Plan, PLAN_COLUMNS)
    followups = plans = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        raw: Any = cursor.cursor
        tables = [FollowUp._meta.db_table, Plan._meta.db_table]
        with indexes_deferred(cursor, tables, out):
            reader = connection.connection.cursor(name="bench_customers")  # server-side: not all in memory
            reader.itersize = CHUNK
            reader.execute(
                "SELECT id, owner_id, created_by_id, extract(epoch FROM created_at), "
                "extract(epoch FROM next_followup_at) FROM customers_customer WHERE deleted_at IS NULL ORDER BY id"
            )
            while True:
                batch = reader.fetchmany(CHUNK)
                if not batch:
                    break
                followup_rows: list[str] = []
                plan_rows: list[str] = []
                for customer, owner, creator, created, next_due in batch:
                    recorder = owner or creator
                    created = float(created)
                    for _ in range(rng.randint(0, 2 * FOLLOWUPS_PER_CUSTOMER)):
                        followups += 1
                        at = stamp(created + rng.random() * max(now - created, DAY))
                        followup_rows.append(
                            "\t".join(
                                [
                                    str(followups),
                                    str(customer),
                                    str(recorder),
                                    str(recorder),
                                    rng.choice(CHANNELS),
                                    at,
                                    rng.choice(NOTES),
                                    rng.choice(FEEDBACK),
                                    rng.choice(SUBJECTS),
                                    at,
                                    at,
                                ]
                            )
                            + followup_rest
                        )
                    if next_due is None:
                        continue
                    # The customer's earliest open plan is due at its next_followup_at, as the dataset set it
                    # (no UPDATE of a million customers afterwards); a few more plans follow it.
                    for extra in range(1 + rng.randint(0, 2 * EXTRA_PLANS)):
                        plans += 1
                        due = float(next_due) + extra * rng.random() * 20 * DAY
                        plan_rows.append(
                            "\t".join(
                                [
                                    str(plans),
                                    str(customer),
                                    str(owner),
                                    str(owner),
                                    rng.choice(PLAN_KINDS),
                                    rng.choice(SUBJECTS),
                                    stamp(due),
                                    stamp(due),
                                    "open",
                                    "manual",
                                    stamp(due - 7 * DAY),
                                    stamp(due - 7 * DAY),
                                ]
                            )
                            + plan_rest
                        )
                if followup_rows:
                    with raw.copy(followup_copy) as copy:
                        copy.write("\n".join(followup_rows) + "\n")
                if plan_rows:
                    with raw.copy(plan_copy) as copy:
                        copy.write("\n".join(plan_rows) + "\n")
            reader.close()
        for table in tables:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")
    if not connection.in_atomic_block:  # (a test loads inside its transaction, where VACUUM cannot run)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE activities_followup, activities_plan, customers_customer")
    out(f"  {followups:,} follow-ups and {plans:,} open plans in {time.monotonic() - started:.1f} s")
    return followups, plans
