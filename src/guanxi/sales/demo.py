"""The demo company's sales: each unit's competitors, and opportunities in every stage of its pipeline — equipment
projects for 华东工业装备, car purchases for 汽车销售 — with wins and losses, all made through the services (so
history, plans and the customers' lifecycle follow). Each step runs as of its own day (see ``core.demo``'s
clock): opened some days after the customer's registration, each later stage a few weeks after the one before,
all before today, so numbers, stage history, time in each stage and the customers' last change read like real
work. Then the catalogue and its quotes."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.demo import as_of, office_moment
from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer, Lifecycle

from . import services
from .models import Competitor, Opportunity, Pipeline, Stage

# unit code → its pipeline and competitors
PIPELINES = {"industrial": "project", "auto": "dealership"}
COMPETITORS = {
    "industrial": [
        ("德迈精机", "high", "进口品牌，精度高", "交期长，备件贵"),
        ("宏远装备", "similar", "行业案例多", "非标定制能力弱"),
        ("众力机械", "low", "价格低，交付快", "稳定性一般，售后网点少"),
    ],
    "auto": [
        ("远景汽车城", "similar", "店面位置好，库存足", "服务口碑一般"),
        ("瑞驰汽车", "low", "促销力度大", "二手车置换价低"),
    ],
}
# what a customer of each industry buys from the equipment unit: (item, unit, price), the need, the next step
EQUIPMENT = {
    "manufacturing": (
        [("五轴加工中心", "台", 1280000), ("自动化装配线", "条", 2350000), ("安装调试服务", "项", 60000)],
        "老旧设备更新，提高加工精度和产能",
        "提交技术方案",
    ),
    "energy": (
        [("防爆反应釜系统", "套", 860000), ("DCS 控制系统改造", "项", 420000), ("安装调试服务", "项", 60000)],
        "安全环保整改，更换老旧设备",
        "配合技术交流",
    ),
    "it": (
        [("视觉检测设备", "台", 380000), ("SMT 自动化产线", "条", 1650000), ("年度维保合同", "年", 48000)],
        "产线自动化改造，减少人工检测",
        "安排样机测试",
    ),
    "logistics": (
        [("自动分拣输送线", "套", 1450000), ("堆垛机", "台", 520000), ("年度维保合同", "年", 48000)],
        "新建仓储中心，提升分拣效率",
        "现场勘测",
    ),
    "healthcare": (
        [("洁净灌装设备", "套", 980000), ("不锈钢输送线", "条", 260000), ("验证服务", "项", 80000)],
        "洁净车间改造，满足注册要求",
        "提交验证方案",
    ),
}
FOOD_LINE = (
    [("全自动包装生产线", "条", 1180000), ("金属检测机", "台", 85000), ("安装调试服务", "项", 60000)],
    "扩建包装车间，整线自动化",
    "提交整线方案",
)
CAR_PRODUCTS = [("轿车 2.0T 豪华版", "辆", 239800), ("SUV 1.5T 舒适版", "辆", 168800), ("延保服务", "份", 6800)]
PER_OPEN_STAGE = 4
CLOSED_PER_PIPELINE = 6


def load(out: TextIO) -> None:
    """The opportunities, then the catalogue and its quotes (sales/quotes/demo.py), then contracts and orders
    (sales/contracts/demo.py), then the channel partners and the customers they brought (sales/partners/demo.py)."""
    from .contracts import demo as contracts
    from .partners import demo as partners
    from .quotes import demo as quotes

    _opportunities(out)
    quotes.load(out)
    contracts.load(out)
    partners.load(out)


def _opportunities(out: TextIO) -> None:
    if Opportunity.all_objects.exists():
        out.write(f"Demo opportunities: {Opportunity.objects.count()} already there.\n")
        return
    rng = random.Random(2027)
    made = won = lost = 0
    for unit_code, pipeline_code in PIPELINES.items():
        pipeline = Pipeline.objects.filter(code=pipeline_code).first()
        # opportunities come from customers the salesperson has known a few weeks
        customers = list(
            Customer.objects.filter(
                business_unit__code=unit_code,
                status=Lifecycle.POTENTIAL,
                owner__isnull=False,
                created_at__lt=timezone.now() - timedelta(days=21),
            )
            .select_related("owner")
            .prefetch_related("contacts")
            .order_by("pk")
        )
        if pipeline is None or not customers:
            out.write(f"Demo opportunities: no {unit_code} customers or pipeline yet, skipped.\n")
            continue
        competitors = _competitors(customers[0], COMPETITORS[unit_code])
        stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("sort_order"))
        plan: list[tuple[Stage, str]] = [(target, "") for target in stages for _n in range(PER_OPEN_STAGE)]
        plan += [(stages[-1], "won") for _n in range(CLOSED_PER_PIPELINE)]
        plan += [(rng.choice(stages), "lost") for _n in range(CLOSED_PER_PIPELINE)]
        for target, outcome in plan:
            if not customers:
                break
            customer = customers.pop(rng.randrange(len(customers)))
            moves = stages[1 : stages.index(target) + 1]
            moments = iter(_timeline(rng, customer, steps=1 + len(moves) + (1 if outcome else 0)))
            try:
                close_by = timezone.localdate() + timedelta(days=rng.randint(-10, 150))  # from today, not the past
                with as_of(next(moments)):
                    opportunity = _open(rng, pipeline, customer, competitors, close_by)
                for stage in moves:
                    with as_of(next(moments)):
                        services.opportunity_move(actor=customer.owner, opportunity=opportunity, stage=stage)
                if outcome == "won":
                    with as_of(next(moments)):
                        services.opportunity_win(actor=customer.owner, opportunity=opportunity)
                    won += 1
                elif outcome == "lost":
                    with as_of(next(moments)):
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
            made += 1
    out.write(f"Demo opportunities: {made} added ({won} won, {lost} lost) in both units' pipelines.\n")


def _competitors(customer: Customer, rows: list[tuple[str, str, str, str]]) -> list[Competitor]:
    owner = customer.owner
    found = []
    for name, price, strengths, weaknesses in rows:
        existing = Competitor.objects.filter(business_unit_id=customer.business_unit_id, name=name).first()
        found.append(
            existing
            or services.competitor_create(
                actor=owner,  # type: ignore[arg-type]
                data={"name": name, "price_level": price, "strengths": strengths, "weaknesses": weaknesses},
            )
        )
    return found


def _open(
    rng: random.Random, pipeline: Pipeline, customer: Customer, competitors: list[Competitor], close_by: date
) -> Opportunity:
    cars = pipeline.code == "dealership"
    if cars:
        products, need, next_step = CAR_PRODUCTS, "试驾后比较配置与价格", "约下次到店"
        name = f"{customer.name[:20]} {'购车' if customer.kind == 'individual' else '车队采购'}"
    else:
        food = "食品" in customer.name
        products, need, next_step = FOOD_LINE if food else EQUIPMENT.get(customer.industry, EQUIPMENT["manufacturing"])
        name = f"{customer.name[:20]} {products[0][0]}项目"
    lines = [
        {"description": item, "unit": unit, "quantity": rng.randint(1, 3 if cars else 4), "unit_price": price}
        for item, unit, price in rng.sample(products, k=rng.randint(1, 2))
    ]
    contact = next(iter(customer.contacts.all()), None)
    data = {
        "name": name,
        "pipeline": pipeline,
        "contact": contact,
        "need": need,
        "next_step": next_step,
        "expected_close_date": close_by,
        "source": customer.source if customer.source not in ("", "referral") else "",
    }
    return services.opportunity_create(
        actor=customer.owner,  # type: ignore[arg-type]
        customer=customer,
        data=data,
        lines=lines,
        competitors=rng.sample(competitors, k=rng.randint(0, 2)),
    )


def _timeline(rng: random.Random, customer: Customer, *, steps: int) -> list[datetime]:
    """When each step of an opportunity happened, oldest first, in office hours: the first some days after the
    customer's registration, the next ones one to three weeks apart (closer when the customer is recent), the
    last one before today."""
    first = timezone.localdate(customer.created_at) + timedelta(days=rng.randint(2, 7))
    last = timezone.localdate() - timedelta(days=1)
    room = max((last - first).days, 0)
    gap = min(room / steps, rng.uniform(7, 21))
    day = last - timedelta(days=gap * steps)
    moments: list[datetime] = []
    for _step in range(steps):
        weekday = max(day, first)
        if weekday.weekday() >= 5 and weekday - timedelta(days=2) >= first:
            weekday -= timedelta(days=weekday.weekday() - 4)  # a weekend's step happened on the Friday
        moment = office_moment(rng, weekday)
        if moments and moment <= moments[-1]:  # two steps on one day: an hour apart
            moment = moments[-1] + timedelta(hours=1)
        moments.append(moment)
        day += timedelta(days=gap * rng.uniform(0.7, 1.0))
    return moments
