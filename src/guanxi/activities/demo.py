"""Follow-ups and plans of the demo customers, recorded through the services as of when they happened (see
``core.demo``'s clock): a history between the customer's registration and the last few days, in office hours;
a few manager comments; each unit's after-sale plan template; and each salesperson's open plans — a handful
due today, spread over the working day, a few overdue, the rest over the coming weeks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import groupby
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.core.errors import DomainError
from guanxi.core.permissions import has_perm
from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import Channel, FollowUp, PlanKind, PlanTemplate
from .plan_templates import STEP_FIELDS, plan_template_save
from .services import followup_comment_add, followup_create, plan_create

# (channel, what was said, the next step agreed) — per unit, as its salespeople work
INDUSTRIAL_NOTES = [
    (Channel.PHONE, "电话沟通了产能规划，客户计划明年上半年新增一条产线。", "发送设备选型资料"),
    (Channel.VISIT, "上门拜访生产总监，参观了现有车间，设备老化明显。", "出初步技术方案"),
    (Channel.EMAIL, "发送了技术方案和报价，客户技术部在评审。", "跟进技术评审结果"),
    (Channel.MEETING, "参加客户的方案评审会，对精度指标提出了两点修改意见。", "修改方案后再次报价"),
    (Channel.WECHAT, "微信确认了招标时间，预计下月中旬挂网。", "准备投标资料"),
    (Channel.PHONE, "采购经理反馈价格偏高，希望在付款方式上给予支持。", "申请付款条件"),
    (Channel.VISIT, "陪同客户到苏州样板工厂参观，客户对设备稳定性认可。", "约采购谈商务条款"),
    (Channel.PHONE, "客户询问维保服务内容和备件价格。", "发送维保方案"),
]
AUTO_NOTES = [
    (Channel.SHOWROOM, "客户到店看车，试驾了两款车型，比较关注油耗和空间。", "发送两款车型的配置对比"),
    (Channel.PHONE, "电话回访试驾感受，客户倾向于舒适版，还在和家人商量。", "邀请周末再次到店"),
    (Channel.WECHAT, "微信发送了本月的置换补贴和贷款方案。", "确认贷款方案"),
    (Channel.SHOWROOM, "客户带家人到店，谈了颜色和交车时间，对价格还有顾虑。", "申请店内优惠"),
    (Channel.PHONE, "确认了旧车评估价格，客户基本接受。", "约定签约时间"),
    (Channel.SMS, "短信提醒本周末的新车品鉴会。", "电话确认是否参加"),
]
COMMENTS = ["抓紧跟进，本周内给出报价。", "注意竞品的价格，必要时申请优惠。", "这个客户很重要，下次拜访我一起去。"]
# what an open plan is for, by unit: (subject, kind)
INDUSTRIAL_PLANS = [("电话回访技术评审结果", PlanKind.CALL), ("上门拜访生产总监", PlanKind.VISIT),
                    ("发送设备选型资料", PlanKind.EMAIL), ("方案评审会", PlanKind.MEETING),
                    ("确认招标时间", PlanKind.WECHAT), ("跟进付款条件", PlanKind.CALL)]  # fmt: skip
AUTO_PLANS = [("邀请到店试驾", PlanKind.SHOWROOM), ("电话回访试驾感受", PlanKind.CALL),
              ("发送贷款方案", PlanKind.WECHAT), ("确认交车时间", PlanKind.CALL)]  # fmt: skip
# each unit's after-sale calls (SPEC §4.7), by the unit's administrator; the shipped car template becomes the
# dealership's own
AFTER_SALE = {
    "unitadmin": ("设备交付回访", "设备交付后的安装、使用与维保回访。", [
        {"subject": "安装调试后回访：运行情况，操作培训", "offset_days": 3},
        {"subject": "一个月回访：产能与故障记录", "offset_days": 30},
        {"subject": "三个月维保提醒：保养与备件", "offset_days": 90},
    ]),
    "auto.admin": ("购车客户回访", "交车后 48 小时、一周、一个月回访。", [
        {"subject": "48 小时回访：用车感受，致谢", "offset_hours": 48},
        {"subject": "一周回访：使用情况，首保提醒", "offset_days": 7},
        {"subject": "一个月回访：使用情况，转介绍", "offset_days": 30},
    ]),
}  # fmt: skip
DUE_TODAY = (3, 8)  # plans due today per salesperson
OVERDUE = (1, 3)
# days since a customer's last follow-up: most are recent; each salesperson's three oldest after those let slip
# (due back in the pool within days), the two oldest neglected (the pool's sweep returns them)
RECENT, SLIPPING, NEGLECTED = (1, 14), (15, 18), (40, 60)


def load(out: TextIO) -> None:
    if FollowUp.all_objects.exists():
        out.write(f"Demo follow-ups: {FollowUp.objects.count()} already there.\n")
        return
    _after_sale_templates()
    rng = random.Random(2028)
    feedback = [code for code, _label in dictionary_choices("customer_feedback")]
    customers = (
        Customer.objects.filter(owner__isnull=False)
        .select_related("owner__manager", "business_unit")
        .order_by("owner_id", "-created_at")  # newest first: those are the ones with plans today
    )
    followups = plans = comments = 0
    for _owner, held in groupby(customers, key=lambda customer: customer.owner_id):
        mine = list(held)
        due_today, overdue = rng.randint(*DUE_TODAY), rng.randint(*OVERDUE)
        for position, customer in enumerate(mine):
            owner = customer.owner
            assert owner is not None
            industrial = customer.business_unit.code != "auto"
            left = len(mine) - position
            recent = NEGLECTED if left <= 2 else SLIPPING if left <= 5 else RECENT
            try:
                last = None
                for moment in _history(rng, customer.created_at, recent):
                    channel, content, next_step = rng.choice(INDUSTRIAL_NOTES if industrial else AUTO_NOTES)
                    with as_of(moment + timedelta(minutes=rng.randint(5, 90))):  # noted a little after
                        last = followup_create(
                            actor=owner,
                            customer=customer,
                            channel=channel,
                            occurred_at=moment,
                            content=content,
                            feedback=rng.choice(feedback) if feedback and rng.random() < 0.6 else "",
                            next_step=next_step,
                        )
                    followups += 1
                manager = owner.manager
                if last and manager and rng.random() < 0.15 and has_perm(manager, "activities.approve"):
                    with as_of(last.occurred_at + timedelta(hours=rng.randint(2, 20))):
                        followup_comment_add(actor=manager, followup=last, text=rng.choice(COMMENTS))
                    comments += 1
                due = _plan_due(rng, position, due_today, overdue)
                if due is None or last is None or recent == NEGLECTED:
                    continue
                subject, kind = rng.choice(INDUSTRIAL_PLANS if industrial else AUTO_PLANS)
                with as_of(min(last.occurred_at + timedelta(minutes=30), due - timedelta(hours=1))):
                    plan_create(actor=owner, subject=subject, kind=kind, due_at=due, customer=customer)
                plans += 1
            except (DomainError, ValidationError) as error:
                out.write(f"  skipped {customer}: {error}\n")
    out.write(f"Demo follow-ups: {followups} added, {plans} open plans, {comments} manager comments.\n")


def _history(rng: random.Random, registered: datetime, recent: tuple[int, int]) -> list[datetime]:
    """One to four follow-ups after the registration, the last ``recent`` days ago (if the customer is that old)."""
    age = (timezone.now() - registered).days
    newest, oldest = (min(days, max(age - 1, 1)) for days in recent)
    last = office_moment(rng, workday_back(rng, newest=newest, oldest=oldest))
    if last <= registered:  # registered lately: the first call came soon after
        last = min(registered + timedelta(hours=1), timezone.now() - timedelta(minutes=10))
    since_last = (timezone.now() - last).days + 1
    earlier = [
        office_moment(rng, workday_back(rng, newest=since_last, oldest=age - 1))
        for _n in range(rng.randint(0, 3) if age - 1 >= since_last else 0)
    ]
    return sorted(moment for moment in [*earlier, last] if moment > registered)


def _plan_due(rng: random.Random, position: int, due_today: int, overdue: int) -> datetime | None:
    """The salesperson's newest few customers have a plan today, the next ones an overdue one, most of the rest
    one in the coming weeks; some none."""
    today = timezone.localdate()
    if position < due_today:
        return office_moment(rng, today)
    if position < due_today + overdue:
        return office_moment(rng, workday_back(rng, newest=1, oldest=4))
    if rng.random() < 0.7:
        return office_moment(rng, today + timedelta(days=rng.randint(1, 30)))
    return None


def _after_sale_templates() -> None:
    shipped = PlanTemplate.objects.filter(code="post_purchase", business_unit__isnull=True).first()
    admins = {user.username: user for user in User.objects.filter(username__in=AFTER_SALE)}
    for username, (name, description, steps) in AFTER_SALE.items():
        admin = admins.get(username)
        if admin is None or PlanTemplate.objects.filter(business_unit_id=admin.business_unit_id, name=name).exists():
            continue
        plan_template_save(
            actor=admin, data={"name": name, "event": "first_order", "description": description}, steps=steps
        )
    if shipped is not None and shipped.active and admins:
        # the units' own templates replace the group-wide one, so an industrial customer gets no car calls
        superuser = User.objects.filter(is_superuser=True).first() or next(iter(admins.values()))
        plan_template_save(
            actor=superuser,
            template=shipped,
            data={"name": shipped.name, "event": shipped.event, "description": shipped.description, "active": False},
            steps=[{name: getattr(step, name) for name in STEP_FIELDS} for step in shipped.steps.all()],
        )
