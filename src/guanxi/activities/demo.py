"""Follow-ups and plans for every demo customer: a short history, one open plan each — some overdue, some
due today — and a few manager comments (recorded through the services)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.errors import DomainError
from guanxi.core.permissions import has_perm
from guanxi.customers.models import Customer

from .models import Channel, FollowUp, PlanKind
from .services import followup_comment_add, followup_create, plan_create

NOTES = [
    "电话沟通了产品配置和价格, 客户比较关注优惠政策。",
    "客户到店看了样品, 对颜色有顾虑, 约下周再谈。",
    "微信发送了报价单, 客户说要和家人商量。",
    "上门拜访, 见到了采购负责人, 介绍了售后服务。",
    "客户在比较其他品牌, 需要准备竞品对比资料。",
    "确认了交付时间, 客户希望月底前到货。",
]
SUBJECTS = ["电话回访", "发送报价", "邀请到店试驾", "上门拜访", "确认需求", "跟进付款方式"]
COMMENTS = ["抓紧跟进, 本周内给出报价。", "注意竞品的价格, 必要时申请优惠。", "客户很重要, 下次我一起去。"]


def load(out: TextIO) -> None:
    if FollowUp.all_objects.exists():
        out.write(f"Demo follow-ups: {FollowUp.objects.count()} already there.\n")
        return
    rng = random.Random(2028)
    feedback = [code for code, _label in dictionary_choices("customer_feedback")]
    now = timezone.now()
    today = timezone.localdate()
    followups = plans = comments = 0
    customers = Customer.objects.filter(owner__isnull=False).select_related("owner__manager").order_by("pk")
    for index, customer in enumerate(customers):
        owner = customer.owner
        assert owner is not None
        try:
            for _ in range(rng.randint(1, 3)):
                followup = followup_create(
                    actor=owner,
                    customer=customer,
                    channel=rng.choice(Channel.values),
                    occurred_at=now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8)),
                    content=rng.choice(NOTES),
                    feedback=rng.choice(feedback) if feedback and rng.random() < 0.6 else "",
                    next_step=rng.choice(SUBJECTS),
                )
                followups += 1
            manager = owner.manager
            if manager is not None and index % 7 == 0 and has_perm(manager, "activities.approve"):
                followup_comment_add(actor=manager, followup=followup, text=rng.choice(COMMENTS))
                comments += 1
            # a third overdue, a third due today, the rest in the coming two weeks
            kind = index % 3
            if kind == 0:
                due = now - timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
            elif kind == 1:
                due = timezone.make_aware(datetime.combine(today, time(rng.randint(9, 18), rng.choice([0, 30]))))
            else:
                due = now + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 6))
            plan_create(
                actor=owner,
                subject=rng.choice(SUBJECTS),
                kind=rng.choice(PlanKind.values),
                due_at=due,
                customer=customer,
                script=rng.choice(NOTES),
            )
            plans += 1
        except (DomainError, ValidationError) as error:
            out.write(f"  skipped {customer}: {error}\n")
    out.write(f"Demo follow-ups: {followups} added, {plans} plans, {comments} manager comments.\n")
