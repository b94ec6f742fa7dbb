"""Benchmark rows of the sales app: opportunities of the dataset's owned customers over both shipped
pipelines (most open, spread over the stages; a fifth won and a fifth lost), each with its current stay in
the stage history — loaded with COPY after the customers, in the same transaction."""

from __future__ import annotations

import random
import time
from typing import Any

from guanxi.sales.models import Opportunity, Pipeline, Stage, StageChange

from .dataset import NULL, Org, Out, Params, copy_statement, indexes_deferred, loader, stamp

CHUNK = 20_000
OPPORTUNITY_COLUMNS = [
    "id", "number", "business_unit_id", "customer_id", "name", "amount", "expected_close_date", "probability",
    "pipeline_id", "stage_id", "stage_entered_at", "status", "owner_id", "created_by_id", "closed_at",
    "loss_reason", "created_at", "updated_at",
]  # fmt: skip
CHANGE_COLUMNS = ["id", "opportunity_id", "kind", "to_stage_id", "at", "by_id", "probability"]
PROJECTS = ["信息化项目", "设备采购", "年度框架协议", "产线改造", "运维服务续约", "软件升级"]
CARS = ["购车", "置换购车", "团购车辆", "增购车辆"]
LOSS_REASONS = ["price", "product", "competitor_relationship", "budget", "timing"]
YEAR = 365 * 86400


@loader
def load_opportunities(params: Params, org: Org, rng: random.Random, out: Out) -> None:
    """``params.opportunities`` opportunities (none unless asked: ``python -m tests.bench`` asks for 300,000)."""
    from django.db import connection

    if params.opportunities > 0:
        with connection.cursor() as cursor:
            load(params.opportunities, cursor=cursor, unit_id=org.unit_id, rng=rng, out=out)


def load(count: int, *, cursor: Any, unit_id: int, rng: random.Random, out: Out) -> int:
    """COPY ``count`` opportunities; returns how many were loaded."""
    if count <= 0:
        return 0
    started = time.monotonic()
    cursor.execute(
        "SELECT id, owner_id, name FROM customers_customer WHERE owner_id IS NOT NULL AND deleted_at IS NULL "
        "AND mod(id, 3) = 0 ORDER BY id"
    )
    customers = cursor.fetchall()
    if not customers:
        return 0
    pipelines = []
    for pipeline in Pipeline.objects.filter(code__in=["project", "dealership"]).order_by("sort_order"):
        stages = list(pipeline.stages.order_by("sort_order"))
        pipelines.append(
            (
                pipeline,
                [stage for stage in stages if stage.kind == Stage.Kind.OPEN],
                next(stage for stage in stages if stage.kind == Stage.Kind.WON),
                next(stage for stage in stages if stage.kind == Stage.Kind.LOST),
            )
        )
    opportunity_copy, opportunity_suffix = copy_statement(Opportunity, OPPORTUNITY_COLUMNS)
    change_copy, change_suffix = copy_statement(StageChange, CHANGE_COLUMNS)
    raw = cursor.cursor
    now = time.time()
    tables = [Opportunity._meta.db_table, StageChange._meta.db_table]
    with indexes_deferred(cursor, tables, out):
        for start in range(0, count, CHUNK):
            size = min(CHUNK, count - start)
            opportunities, changes = [], []
            for pk in range(start + 1, start + size + 1):
                customer, owner, customer_name = rng.choice(customers)
                pipeline, open_stages, won, lost = pipelines[0] if rng.random() < 0.7 else pipelines[-1]
                roll = rng.random()
                status, stage = ("won", won) if roll < 0.2 else ("lost", lost) if roll < 0.4 else ("open", None)
                stage = stage or rng.choice(open_stages)
                updated = now - rng.random() * YEAR
                created = updated - rng.random() * YEAR / 2
                entered = created + rng.random() * (updated - created)
                closing = time.strftime("%Y-%m-%d", time.localtime(now + (rng.random() - 0.3) * YEAR / 2))
                cars = pipeline.code == "dealership"
                name = f"{customer_name[:20]} {rng.choice(CARS if cars else PROJECTS)}"
                amount = rng.randint(8, 60) * 10_000 if cars else rng.randint(2, 500) * 10_000
                probability = stage.probability
                opportunities.append(
                    "\t".join(
                        [
                            str(pk),
                            f"SJB{pk:09d}",
                            str(unit_id),
                            str(customer),
                            name,
                            f"{amount}.00",
                            closing,
                            str(probability),
                            str(pipeline.pk),
                            str(stage.pk),
                            stamp(entered),
                            status,
                            str(owner),
                            str(owner),
                            stamp(entered) if status != "open" else NULL,
                            rng.choice(LOSS_REASONS) if status == "lost" else "",
                            stamp(created),
                            stamp(updated),
                        ]
                    )
                    + opportunity_suffix
                )
                changes.append(
                    "\t".join([str(pk), str(pk), "create", str(stage.pk), stamp(entered), str(owner), str(probability)])
                    + change_suffix
                )
            with raw.copy(opportunity_copy) as copy:
                copy.write("\n".join(opportunities) + "\n")
            with raw.copy(change_copy) as copy:
                copy.write("\n".join(changes) + "\n")
    from django.core.management.color import no_style
    from django.db import connection

    for statement in connection.ops.sequence_reset_sql(no_style(), [Opportunity, StageChange]):
        cursor.execute(statement)
    out(f"  {count:,} opportunities in {time.monotonic() - started:.1f} s")
    return count
