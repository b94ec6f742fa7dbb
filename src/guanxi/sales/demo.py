"""The demo company's sales: competitors, and opportunities in every stage of both pipelines, with wins and
losses — all made through the services (so history, plans and the customers' lifecycle follow), then their
stage history spread over the past weeks so the time in each stage reads like real work."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer, Lifecycle

from . import config_services, services
from .models import Competitor, Opportunity, Pipeline, Stage, StageChange

COMPETITORS = [
    ("蓝海软件", "low", "价格低，交付快", "实施团队小，售后弱"),
    ("恒通系统", "similar", "行业案例多", "定制能力差"),
    ("东方智联", "high", "品牌知名度高", "报价高，决策慢"),
    ("远景汽车城", "similar", "店面位置好，库存足", "服务口碑一般"),
    ("瑞驰汽车", "low", "促销力度大", "二手车置换价低"),
]
PROJECT_PRODUCTS = [("ERP 软件许可", "套", 80000), ("实施服务", "人天", 2500), ("服务器", "台", 35000)]
CAR_PRODUCTS = [("轿车 2.0T 豪华版", "辆", 239800), ("SUV 1.5T 舒适版", "辆", 168800), ("延保服务", "份", 6800)]
PER_OPEN_STAGE = 4
CLOSED_PER_PIPELINE = 6


def load(out: TextIO) -> None:
    if Opportunity.all_objects.exists():
        out.write(f"Demo opportunities: {Opportunity.objects.count()} already there.\n")
        return
    rng = random.Random(2027)
    customers = list(
        Customer.objects.filter(status=Lifecycle.POTENTIAL, owner__isnull=False)
        .select_related("owner")
        .prefetch_related("contacts")
        .order_by("pk")
    )
    if not customers:
        out.write("Demo opportunities: no demo customers yet, skipped.\n")
        return
    competitors = _competitors(customers[0])
    made = won = lost = 0
    for pipeline in Pipeline.objects.filter(code__in=["project", "dealership"]).order_by("sort_order"):
        stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order"))
        plan: list[tuple[Stage, str]] = [(target, "") for target in stages for _n in range(PER_OPEN_STAGE)]
        plan += [(stages[-1], "won") for _n in range(CLOSED_PER_PIPELINE)]
        plan += [(rng.choice(stages), "lost") for _n in range(CLOSED_PER_PIPELINE)]
        for target, outcome in plan:
            if not customers:
                break
            customer = customers.pop(rng.randrange(len(customers)))
            try:
                opportunity = _open(rng, pipeline, customer, competitors)
                for stage in stages[1 : stages.index(target) + 1]:
                    services.opportunity_move(actor=customer.owner, opportunity=opportunity, stage=stage)
                if outcome == "won":
                    services.opportunity_win(actor=customer.owner, opportunity=opportunity)
                    won += 1
                elif outcome == "lost":
                    services.opportunity_lose(
                        actor=customer.owner,
                        opportunity=opportunity,
                        reason=rng.choice(["price", "product", "competitor_relationship", "budget", "timing"]),
                        competitor=rng.choice([None, *competitors]),
                        note="客户最终选择了其他方案",
                    )
                    lost += 1
            except (DomainError, ValidationError) as error:
                out.write(f"  skipped one opportunity: {error}\n")
                continue
            _spread_history(rng, opportunity)
            made += 1
    out.write(f"Demo opportunities: {made} added ({won} won, {lost} lost) in both pipelines.\n")


def _competitors(customer: Customer) -> list[Competitor]:
    owner = customer.owner
    found = []
    for name, price, strengths, weaknesses in COMPETITORS:
        existing = Competitor.objects.filter(business_unit_id=customer.business_unit_id, name=name).first()
        found.append(
            existing
            or config_services.competitor_create(
                actor=owner,  # type: ignore[arg-type]
                data={"name": name, "price_level": price, "strengths": strengths, "weaknesses": weaknesses},
            )
        )
    return found


def _open(rng: random.Random, pipeline: Pipeline, customer: Customer, competitors: list[Competitor]) -> Opportunity:
    cars = pipeline.code == "dealership"
    products = CAR_PRODUCTS if cars else PROJECT_PRODUCTS
    lines = [
        {"description": name, "unit": unit, "quantity": rng.randint(1, 3 if cars else 20), "unit_price": price}
        for name, unit, price in rng.sample(products, k=rng.randint(1, 2))
    ]
    contact = next(iter(customer.contacts.all()), None)
    data = {
        "name": f"{customer.name[:20]} {'购车' if cars else '信息化项目'}",
        "pipeline": pipeline,
        "contact": contact,
        "need": "试驾后比较配置与价格" if cars else "替换旧系统，统一采购与库存管理",
        "next_step": "约下次到店" if cars else "提交方案与报价",
        "expected_close_date": timezone.localdate() + timedelta(days=rng.randint(-10, 150)),
        "source": customer.source if customer.source not in ("", "referral") else "",
    }
    return services.opportunity_create(
        actor=customer.owner,  # type: ignore[arg-type]
        customer=customer,
        data=data,
        lines=lines,
        competitors=rng.sample(competitors, k=rng.randint(0, 2)),
    )


def _spread_history(rng: random.Random, opportunity: Opportunity) -> None:
    """Demo only: the moves just made happened in one second; place them over the past weeks instead."""
    changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("at", "pk"))
    moment = timezone.now() - timedelta(days=rng.randint(10, 20) * len(changes), hours=rng.randint(0, 23))
    for position, change in enumerate(changes):
        change.at = moment
        moment = moment + timedelta(days=rng.randint(2, 18), hours=rng.randint(0, 12))
        change.left_at = moment if position < len(changes) - 1 else None
        if change.left_at and change.left_at > timezone.now():
            change.left_at = timezone.now() - timedelta(hours=1)
    StageChange.objects.bulk_update(changes, ["at", "left_at"])
    Opportunity.all_objects.filter(pk=opportunity.pk).update(stage_entered_at=changes[-1].at, created_at=changes[0].at)
    if opportunity.closed_at:
        Opportunity.all_objects.filter(pk=opportunity.pk).update(closed_at=changes[-1].at)
