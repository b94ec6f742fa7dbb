"""Demo churn and care (SPEC §10): the industrial unit's history of won and churned customers (a year of
orders, follow-ups and complaints) from which its risk model is trained; won customers drifting away, one per
rule, and alerts in every state (warned, retaining, recovered, lost, lost and won again); care rules in both
units with contacts whose solar and lunar birthdays come next week, and the auto unit's mileage milestones."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.utils import timezone
from lunardate import LunarDate

from guanxi.core.config.custom_fields import custom_field_create, custom_fields_for
from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.customers.models import Contact, Customer, Level
from guanxi.customers.services import customer_create
from guanxi.org.models import BusinessUnit, User
from guanxi.sales.contracts.demo import order_confirmed
from guanxi.sales.orders import services as orders
from guanxi.sales.products.models import Product
from guanxi.service.services import ticket_assign, ticket_create, ticket_feedback, ticket_resolve, ticket_start

from . import care, risk, services
from .models import OPEN_STATUSES, AlertStatus, CareRule, ChurnAlert

HISTORY = 240  # the industrial unit's past customers: enough (≥ 200 with an outcome) to train its model
CITIES = ["苏州", "无锡", "常州", "南通", "嘉兴", "湖州", "宁波", "绍兴", "合肥", "芜湖", "扬州", "镇江"]
WORDS = ["恒通", "鑫达", "华盛", "宏远", "金桥", "永新", "汇丰", "东升", "瑞丰", "长城", "佳和", "国泰", "联创", "海天"]
KINDS = ["精密机械", "五金制品", "包装材料", "电子科技", "模具", "食品机械", "液压设备", "环保设备"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"
COMPLAINTS = [
    "设备故障多次维修未解决", "交货延期两周，影响客户产线排期", "售后工程师上门不及时", "备件涨价未提前告知",
    "发票开具错误，多次更正未果", "设备运行噪音偏大", "操作培训不到位，换模仍需厂家协助", "包装破损导致部件锈蚀",
]  # fmt: skip
SETTLEMENTS = [
    "工程师上门更换主板并试机，连续运行48小时无故障。", "补发备件并调整排产，客户已确认收货。",
    "重新开具发票并快递寄出，财务已确认。", "加装隔音罩，现场复测噪音达标。", "安排二次培训，操作人员已能独立换模。",
]  # fmt: skip
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "霞"]


def load(out: TextIO) -> None:
    if ChurnAlert.all_objects.exists() or CareRule.objects.exists():
        out.write(f"Demo churn and care: {ChurnAlert.objects.count()} alerts already there.\n")
        return
    industrial = BusinessUnit.objects.filter(code="industrial").first()
    auto = BusinessUnit.objects.filter(code="auto").first()
    admin = User.objects.filter(username="admin").first()
    if industrial is None or auto is None or admin is None:
        out.write("Demo churn and care: the demo company is missing, skipped.\n")
        return
    rng = random.Random(19)
    sellers = list(User.objects.filter(username__in=["sales1", "sales2", "sales3", "sales4"]).order_by("username"))
    history = _history(rng, admin, industrial, sellers)
    drifting = _drifting(rng, admin, industrial, sellers[0])
    now = timezone.now()
    services.churn_scan(now)
    states = _handle(rng, drifting)
    _care_rules(admin, industrial, auto)
    birthdays = _birthdays(rng, industrial, auto)
    model = risk.train_unit(industrial.pk, now)
    scored = risk.score_unit(model, now)
    risk.score_unit(risk.train_unit(auto.pk, now), now)  # too little history there: rules only, with the reason
    planned = care.care_scan(now)["planned"]
    _called_back(rng)
    auc = f"{model.auc:.3f}" if model.auc is not None else "—"
    out.write(
        f"Demo churn and care: {history} past customers, {ChurnAlert.objects.count()} alerts ({states}), "
        f"risk model AUC {auc} on held-out customers, {scored} scored, {birthdays} birthdays next week, "
        f"{planned} care plans.\n"
    )


def _name(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(KINDS)}有限公司"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])


def _customer(rng: random.Random, owner: User, created: date, **data: object) -> Customer:
    mobile = f"139{rng.randrange(10**8):08d}"
    with as_of(office_moment(rng, created)):
        for _attempt in range(5):
            try:
                return customer_create(
                    actor=owner, data={"name": _name(rng), "industry": "manufacturing", **data},
                    contact={"name": _person(rng), "mobile": mobile},
                )  # fmt: skip
            except Exception:  # a name already taken: another one
                continue
    raise RuntimeError("no free customer name")


def _order(
    rng: random.Random,
    seller: User,
    customer: Customer,
    day: date,
    quantity: int = 1,
    *,
    items: list[tuple[Product, int]] | None = None,
) -> None:
    """An order of ``items`` (product, quantity); by default ``quantity`` of one of the unit's first two machines."""
    if items is None:
        catalogue = Product.objects.filter(business_unit_id=customer.business_unit_id).order_by("pk")
        items = [(catalogue[rng.randrange(2)], quantity)]
    with as_of(office_moment(rng, day)):
        order = orders.order_create(
            actor=seller, customer=customer, data={"ordered_on": day},
            lines=[{"product": product.pk, "quantity": count} for product, count in items],
        )  # fmt: skip
        order_confirmed(seller, order)  # one above the customer's credit is approved by the manager


def _complaint(
    rng: random.Random, admin: User, customer: Customer, day: date, subject: str, *, until: str = "new"
) -> None:
    """A complaint, left ``new``, or taken by the unit's complaint agent and ``resolved`` within days (the
    customer never answered) or ``archived`` (the customer said they were satisfied)."""
    moment = office_moment(rng, day)
    with as_of(moment):
        ticket = ticket_create(
            actor=admin, customer=customer, at=moment,
            data={"subject": subject, "type": "complaint", "channel": "phone_in", "priority": "normal"},
        )  # fmt: skip
    agent = (
        User.objects.filter(department__business_unit_id=customer.business_unit_id, service_skills__type="complaint")
        .order_by("pk")
        .first()
    )
    if agent is None or until == "new":
        return
    steps = [
        lambda: ticket_assign(actor=admin, ticket=ticket, assignee=agent),
        lambda: ticket_start(actor=agent, ticket=ticket),
        lambda: ticket_resolve(actor=agent, ticket=ticket, resolution=rng.choice(SETTLEMENTS)),
    ]
    if until == "archived":
        steps.append(lambda: ticket_feedback(actor=admin, ticket=ticket, satisfaction=rng.choice([3, 4, 4, 5])))
    for step in steps:
        moment = min(moment + timedelta(hours=rng.randint(2, 30)), timezone.now() - timedelta(minutes=5))
        with as_of(moment):
            step()


def _followed(customer: Customer, day: date) -> None:
    """When the customer was last followed up (the history's follow-ups are summed up in their date)."""
    moment = timezone.make_aware(datetime.combine(day, time(15)))
    Customer.all_objects.filter(pk=customer.pk).update(last_followup_at=moment)


def _history(rng: random.Random, admin: User, unit: BusinessUnit, sellers: list[User]) -> int:
    """Past customers who ordered; those neglected (long without a follow-up, open complaints, unhappy) churned
    more often: their churn was confirmed with a reason, the others still order."""
    today = timezone.localdate()
    made = 0
    catalogue = list(Product.objects.filter(business_unit=unit).order_by("pk"))
    machines = [product for product in catalogue if product.list_price >= 100_000] or catalogue
    services_ = [product for product in catalogue if product.list_price < 100_000]
    for index in range(HISTORY):
        seller = sellers[index % len(sellers)]
        complaints = rng.choices([0, 1, 2], weights=[70, 22, 8])[0]
        gap = int(rng.expovariate(1 / 35))  # days since the last follow-up
        unhappy = rng.choices([1, 2, 3], weights=[50, 35, 15])[0]
        push = -1.6 + 1.3 * complaints + 0.025 * (gap - 35) + 0.6 * (unhappy - 1) + rng.gauss(0, 0.6)
        churned = rng.random() < 1 / (1 + math.exp(-push))
        satisfaction = {1: "satisfied", 2: "neutral", 3: "dissatisfied"}[unhappy]
        customer = _customer(rng, seller, workday_back(rng, newest=330, oldest=360),
                             level=rng.choice([Level.O, Level.A, Level.B]), satisfaction=satisfaction)  # fmt: skip
        last = workday_back(rng, newest=60, oldest=300) if churned else workday_back(rng, newest=3, oldest=170)
        first = last - timedelta(days=rng.randint(30, 200))
        # a machine first (with its installation, often), then a repeat order of anything in the catalogue
        bought = [(rng.choice(machines), rng.randint(1, 2))]
        if services_ and rng.random() < 0.6:
            bought.append((rng.choice(services_), 1))
        _order(rng, seller, customer, first, items=bought)
        if last != first:
            _order(rng, seller, customer, last, items=[(rng.choice(catalogue), rng.randint(1, 3))])
        for n in range(complaints):  # a week or two after the last order, and never after yesterday
            day = min(last + timedelta(days=7 + 9 * n), today - timedelta(days=1))
            _complaint(rng, admin, customer, day, rng.choice(COMPLAINTS), until="resolved" if churned else "archived")
        _followed(customer, today - timedelta(days=gap))
        if churned:
            customer.refresh_from_db()
            lost_on = min(last + timedelta(days=200), today - timedelta(days=1))
            moment = office_moment(rng, lost_on)
            alert = ChurnAlert.objects.create(
                business_unit=unit, customer=customer, raised_at=moment - timedelta(days=20), checked_at=moment,
                reasons=[{"rule": "no_order", "days": (lost_on - last).days, "last": last.isoformat()}],
                created_at=moment - timedelta(days=20), updated_at=moment,
            )  # fmt: skip
            with as_of(moment):
                services.alert_confirm_lost(
                    actor=seller, alert=alert, reason=rng.choice(["price", "competitor", "service", "no_need"])
                )
        made += 1
    return made


def _called_back(rng: random.Random) -> None:
    """Owners called the customers they lost to learn why (a follow-up a few days ago), which also keeps them
    from falling due to the pool the moment the demo starts."""
    from guanxi.activities.services import followup_create

    lost = Customer.objects.filter(status="churned", owner__isnull=False, expires_at__lt=timezone.now())
    for customer in lost.select_related("owner"):
        assert customer.owner is not None
        moment = office_moment(rng, workday_back(rng, newest=1, oldest=6))
        with as_of(moment):
            followup_create(actor=customer.owner, customer=customer, occurred_at=moment,
                            content="回访流失客户，了解流失原因：对方表示暂时没有采购计划，保持联系。")  # fmt: skip


def _drifting(rng: random.Random, admin: User, unit: BusinessUnit, seller: User) -> list[Customer]:
    """Won customers drifting away now, one per rule, and a few more for the other states."""
    today = timezone.localdate()
    rows = []
    # no order for eight months
    quiet = _customer(rng, seller, today - timedelta(days=330))
    _order(rng, seller, quiet, workday_back(rng, newest=240, oldest=250), quantity=2)
    rows.append(quiet)
    # orders falling: big orders half a year ago, a small one last month
    falling = _customer(rng, seller, today - timedelta(days=330))
    _order(rng, seller, falling, workday_back(rng, newest=120, oldest=150), quantity=10)
    _order(rng, seller, falling, workday_back(rng, newest=20, oldest=30), quantity=1)
    rows.append(falling)
    # a complaint open for three weeks
    upset = _customer(rng, seller, today - timedelta(days=300))
    _order(rng, seller, upset, workday_back(rng, newest=40, oldest=50))
    _complaint(rng, admin, upset, workday_back(rng, newest=21, oldest=23), "交付的设备精度不达标，多次反映未处理")
    rows.append(upset)
    # no follow-up for two and a half months
    forgotten = _customer(rng, seller, today - timedelta(days=300))
    _order(rng, seller, forgotten, workday_back(rng, newest=60, oldest=70))
    rows.append(forgotten)
    for customer in rows[1:3]:
        _followed(customer, today - timedelta(days=rng.randint(3, 20)))
    _followed(rows[0], today - timedelta(days=rng.randint(20, 40)))
    _followed(forgotten, today - timedelta(days=75))
    # four more without orders for long: to be retained, recovered, lost, lost and won again
    for _n in range(4):
        other = _customer(rng, seller, today - timedelta(days=360))
        _order(rng, seller, other, workday_back(rng, newest=200, oldest=280))
        _followed(other, today - timedelta(days=rng.randint(5, 30)))
        rows.append(other)
    return rows


def _handle(rng: random.Random, drifting: list[Customer]) -> str:
    alerts = {alert.customer_id: alert for alert in ChurnAlert.objects.filter(status__in=OPEN_STATUSES)}
    retained, recovered, lost, again = (alerts.get(customer.pk) for customer in drifting[4:8])
    seller = drifting[0].owner
    assert seller is not None
    if retained is not None:
        due = workday_back(rng, newest=-5, oldest=-3)
        services.alert_retain(actor=seller, alert=retained, measure="经理带队上门拜访，了解停单原因，提供以旧换新方案",
                              due_at=office_moment(rng, due))  # fmt: skip
    if recovered is not None:
        _order(rng, seller, drifting[5], timezone.localdate())  # the new order recovers the alert by itself
    if lost is not None:
        services.alert_confirm_lost(actor=seller, alert=lost, reason="competitor", note="已转向竞争对手的国产设备")
    if again is not None:
        services.alert_confirm_lost(actor=seller, alert=again, reason="price", note="嫌价格高")
        _order(rng, seller, drifting[7], timezone.localdate())  # and ordered again: won again
    counts = {status: ChurnAlert.objects.filter(status=status).count() for status in AlertStatus.values}
    return ", ".join(f"{count} {status}" for status, count in counts.items())


def _care_rules(admin: User, industrial: BusinessUnit, auto: BusinessUnit) -> None:
    mileage = next((field for field in custom_fields_for(Customer, unit=auto.pk) if field.key == "mileage"), None)
    if mileage is None:
        auto_admin = User.objects.filter(username="auto.admin").first() or admin
        custom_field_create(actor=auto_admin, model="customers.customer", label="行驶里程（公里）", type="number",
                            key="mileage", show_in_list=True)  # fmt: skip
    rules: list[tuple[BusinessUnit, str, str, int, str, dict[str, Any]]] = [
        (industrial, "客户生日关怀", "birthday", 7, "{occasion}您好，祝您生日快乐！感谢一直以来对我们的支持。", {}),
        (industrial, "节日问候", "holiday", 5, "{customer}：{occasion}将至，祝节日快乐，阖家安康！", {}),
        (industrial, "合作周年", "anniversary", 7, "感谢{customer}与我们合作{occasion}周年，回访设备使用情况。", {}),
        (industrial, "首次保养提醒", "first_service", 7, "设备交付已满 90 天，预约首次保养（订单 {occasion}）。",
         {"days_after": 90}),
        (auto, "车主生日关怀", "birthday", 7, "{occasion}先生/女士，祝您生日快乐！到店可领取生日礼包。", {}),
        (auto, "节日问候", "holiday", 5, "{occasion}将至，祝您出行平安！", {}),
        (auto, "首保提醒", "first_service", 7, "新车交付已满 60 天，提醒车主预约首保（订单 {occasion}）。",
         {"days_after": 60}),
        (auto, "里程保养提醒", "milestone", 3, "您的爱车行驶已达 {occasion} 公里，请预约保养。",
         {"field_key": "mileage", "thresholds": [50000, 100000, 150000]}),
    ]  # fmt: skip
    for unit, name, kind, ahead, template, extra in rules:
        head = User.objects.filter(username="auto.admin" if unit == auto else "admin").first() or admin
        care.care_rule_create(actor=head, unit=unit, data={"name": name, "kind": kind, "days_ahead": ahead,
                                                           "template": template, **extra})  # fmt: skip


def _birthdays(rng: random.Random, industrial: BusinessUnit, auto: BusinessUnit) -> int:
    """Contacts of won customers whose birthdays come next week: solar ones, and lunar ones (born on the
    solar day whose lunar date comes round again next week)."""
    today = timezone.localdate()
    count = 0
    for unit in (industrial, auto):
        contacts = list(
            Contact.objects.filter(
                customer__business_unit=unit, customer__status="won", customer__owner__isnull=False
            ).order_by("pk")[:6]
        )
        for index, contact in enumerate(contacts):
            day = today + timedelta(days=2 + index)
            year = rng.randint(1965, 1990)
            if index % 2:
                lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
                born = LunarDate(year, lunar.month, min(lunar.day, 29)).to_solar_date()
                Contact.all_objects.filter(pk=contact.pk).update(birthday=born, birthday_is_lunar=True)
            else:
                born = date(year, day.month, min(day.day, 28))
                Contact.all_objects.filter(pk=contact.pk).update(birthday=born, birthday_is_lunar=False)
            count += 1
    # the auto unit's cars: mileage read at the last service
    for customer in Customer.objects.filter(business_unit=auto, status="won").order_by("pk")[:6]:
        reading = rng.choice([32000, 51200, 98000, 103500, 151000])
        Customer.all_objects.filter(pk=customer.pk).update(custom={**customer.custom, "mileage": reading})
    return count
