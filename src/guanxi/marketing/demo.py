"""Demo campaigns (SPEC §11): in the industrial unit an exhibition with its VIP evening (registrations, new
registrants become leads, check-ins) and an e-mail mailing (opens, clicks); in the car unit an SMS
promotion (a 退订 reply among the answers). Costs are itemised; opportunities opened after the responses and
a won deal give each campaign real ROI figures under both attribution models."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.utils import timezone

from guanxi.core.demo import as_of
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.sales.demo import PIPELINES
from guanxi.sales.models import Pipeline
from guanxi.sales.services import opportunity_create, opportunity_win

from .campaigns import services as campaigns
from .campaigns.models import Campaign, CampaignResponse
from .events import services as events
from .events.models import Event, Registration
from .messages import sending, tracking
from .messages import services as messages
from .messages.models import Delivery


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _people(*names: str) -> dict[str, User] | None:
    found = {user.username: user for user in User.objects.filter(username__in=names)}
    return found if len(found) == len(names) else None


def _reachable(actor: User, unit_code: str, field: str, count: int) -> list[Contact]:
    rows = Contact.objects.visible_to(actor).filter(
        customer__business_unit__code=unit_code, customer__owner__isnull=False, is_primary=True
    )
    rows = rows.exclude(**{field: ""}).select_related("customer__owner")
    return list(rows.order_by("pk")[:count])


def _with_email(actor: User, contacts: list[Contact]) -> list[Contact]:
    """The buyers gave their e-mail at the exhibition: it goes on their contact record first."""
    from guanxi.customers.services.contacts import contact_save

    for contact in contacts:
        if not contact.email:
            address = f"buyer{contact.pk}@customer{contact.customer_id}.example.cn"
            contact_save(actor=actor, customer=contact.customer, contact=contact, data={"email": address})
    return contacts


def _deal(customer: Customer, name: str, amount: str, *, win: bool, on: date) -> None:
    """An opportunity the response led to, opened in the unit's own pipeline a few working hours after it."""
    owner = customer.owner
    if owner is None:
        return
    pipeline = Pipeline.objects.filter(code=PIPELINES.get(customer.business_unit.code, "")).first()
    data = {"name": name, "amount": Decimal(amount), **({"pipeline": pipeline} if pipeline else {})}
    with as_of(_at(on, 10, 30)):
        opportunity = opportunity_create(actor=owner, customer=customer, data=data)
    if win:
        with as_of(_at(on + timedelta(days=2), 15)):
            opportunity_win(actor=owner, opportunity=opportunity)


def _backdate(campaign: Campaign, day: date) -> None:
    """The responses happened on the campaign's days, in working hours (they were recorded just now)."""
    for index, response in enumerate(CampaignResponse.objects.filter(campaign=campaign).order_by("pk")):
        CampaignResponse.objects.filter(pk=response.pk).update(at=_at(day, 9 + index % 8, (index * 7) % 60))


def load(out: TextIO) -> None:
    if Campaign.all_objects.exists():
        out.write(f"Demo marketing: {Campaign.objects.count()} campaigns already there.\n")
        return
    people = _people("marketing", "director", "unitadmin", "auto.manager", "auto.head", "auto.admin")
    if people is None:
        out.write("Demo marketing: the demo company is missing, skipped.\n")
        return
    today = timezone.localdate()
    _exhibition(people, today)
    _mailing(people, today)
    _sms(people, today)
    out.write(
        f"Demo marketing: {Campaign.objects.count()} campaigns, {Registration.objects.count()} registrations, "
        f"{Delivery.objects.count()} messages.\n"
    )


def _exhibition(people: dict[str, User], today: date) -> None:
    marketing = people["director"]  # the sales director runs the unit's exhibition: they see every customer
    start = today - timedelta(days=120)
    fair = campaigns.campaign_create(
        actor=marketing,
        data={
            "name": "2026 上海国际工业博览会",
            "kind": "exhibition",
            "starts_on": start,
            "ends_on": start + timedelta(days=4),
            "budget": Decimal("150000"),
            "description": "国家会展中心 5.1 馆 A018 展位，主推五轴加工中心与智能产线方案。",
        },
    )
    for item, days, amount in [
        ("展位费", 150, "78000"),
        ("展台设计搭建", 130, "36500"),
        ("资料印刷", 125, "5800"),
        ("礼品", 122, "9200"),
        ("VIP 答谢晚宴", 118, "16800"),
    ]:
        campaigns.campaign_cost_add(
            actor=marketing,
            campaign=fair,
            data={"item": item, "spent_on": today - timedelta(days=days), "amount": amount},
        )
    known = _reachable(marketing, "industrial", "mobile", 4)
    campaigns.campaign_members_add(actor=marketing, campaign=fair, kind="contact", ids=[c.pk for c in known])
    campaigns.campaign_source_add(actor=marketing, campaign=fair, kind="leads", label="展会意向线索", query="scene=all")
    campaigns.campaign_launch(actor=marketing, campaign=fair)
    day = start + timedelta(days=1)
    evening = events.event_create(
        actor=marketing,
        campaign=fair,
        data={
            "name": "VIP 客户答谢会",
            "starts_at": _at(today + timedelta(days=1), 18),
            "ends_at": _at(today + timedelta(days=1), 21),
            "venue": "上海虹桥洲际酒店 3 楼宴会厅",
            "capacity": 80,
            "is_open": True,
            "description": "展会期间的客户答谢晚宴，含新品技术分享。",
            "confirmation": "请于 17:30 前到场签到，凭二维码入场。",
        },
    )
    visitors = [
        ("周建国", "常州精工机械有限公司", "13962110001", "zhoujg@czjg.example.cn"),
        ("吴海燕", "嘉兴恒通零部件有限公司", "13857320002", "wuhy@hengtong.example.cn"),
        ("郑伟", "宁波东方模具有限公司", "13905740003", ""),
        ("孙丽", "无锡华光电子科技有限公司", "13961510004", "sunli@hgdz.example.cn"),
    ]
    registrations = [
        events.registration_create(
            actor=marketing, event=evening, data={"name": n, "company": c, "mobile": m, "email": e}
        )
        for n, c, m, e in visitors
    ]
    for contact in known:
        registrations.append(
            events.registration_create(
                actor=marketing,
                event=evening,
                data={"name": contact.name, "company": contact.customer.name, "mobile": contact.mobile},
            )
        )
    for registration in registrations[:-2]:
        events.registration_check_in(actor=marketing, code=registration.code)
    Event.objects.filter(pk=evening.pk).update(starts_at=_at(day, 18), ends_at=_at(day, 21), is_open=False)
    Registration.objects.filter(event=evening).update(registered_at=_at(day - timedelta(days=10), 10))
    Registration.objects.filter(event=evening, checked_in_at__isnull=False).update(checked_in_at=_at(day, 17, 40))
    _backdate(fair, day)
    for index, contact in enumerate(known[:3]):
        _deal(contact.customer, "展会后续：五轴加工中心采购", ["860000", "420000", "1250000"][index], win=index == 0,
              on=day + timedelta(days=3 + index))  # fmt: skip


def _mailing(people: dict[str, User], today: date) -> None:
    marketing = director = people["director"]
    start = today - timedelta(days=60)
    mailing = campaigns.campaign_create(
        actor=marketing,
        data={
            "name": "秋季新品邮件推广",
            "kind": "mailing",
            "starts_on": start,
            "ends_on": start + timedelta(days=14),
            "budget": Decimal("12000"),
            "description": "向存量客户介绍秋季新品与以旧换新政策。",
        },
    )
    campaigns.campaign_cost_add(
        actor=marketing, campaign=mailing, data={"item": "邮件设计与文案外包", "spent_on": start, "amount": "6500"}
    )
    campaigns.campaign_cost_add(
        actor=marketing, campaign=mailing, data={"item": "邮件发送服务", "spent_on": start, "amount": "1800"}
    )
    contacts = _with_email(marketing, _reachable(marketing, "industrial", "mobile", 12))
    campaigns.campaign_members_add(actor=marketing, campaign=mailing, kind="contact", ids=[c.pk for c in contacts])
    campaigns.campaign_launch(actor=marketing, campaign=mailing)
    template = messages.template_save(
        actor=marketing,
        data={
            "name": "秋季新品推介邮件",
            "channel": "email",
            "subject": "{{ customer.name }}：秋季新品与以旧换新政策",
            "body": "<p>{{ contact.name }}{{ contact.salutation }}您好：</p><p>感谢{{ customer.name }}一直以来的支持。"
            '我们的秋季新品已经发布，<a href="https://www.example.cn/products/autumn">点击查看详情</a>。</p>'
            "<p>如需报价，请联系您的客户经理{{ owner.name }}（{{ owner.mobile }}）。</p>"
            '<p><a href="{{ unsubscribe_url }}">退订此类邮件</a></p>',
        },
    )
    sent_at = _at(start, 10)
    message = messages.message_send(actor=director, campaign=mailing, template=template)
    sending.plan(message.pk, at=sent_at)
    sending.deliver(sent_at)
    rows = list(Delivery.objects.filter(message=message).order_by("pk"))
    for index, row in enumerate(rows):
        if index % 2 == 0:
            tracking.delivery_opened(token=row.token)
        if index % 4 == 0:
            tracking.delivery_clicked(signed=sending.click_signed(row.token, "https://www.example.cn/products/autumn"))
    _backdate(mailing, start + timedelta(days=1))
    clicked = [row.member.customer for row in rows[::4] if row.member and row.member.customer]
    for index, customer in enumerate(clicked[:2]):
        _deal(customer, "秋季新品以旧换新", ["186000", "96000"][index], win=index == 0,
              on=start + timedelta(days=3 + index))  # fmt: skip


def _sms(people: dict[str, User], today: date) -> None:
    manager, head = people["auto.manager"], people["auto.head"]
    start = today - timedelta(days=25)
    promotion = campaigns.campaign_create(
        actor=manager,
        data={
            "name": "双十一购车节短信促销",
            "kind": "sms",
            "starts_on": start,
            "ends_on": start + timedelta(days=10),
            "budget": Decimal("8000"),
            "description": "向潜在车主推送购车节限时优惠与试驾邀请。",
        },
    )
    campaigns.campaign_cost_add(
        actor=manager, campaign=promotion, data={"item": "短信通道费", "spent_on": start, "amount": "2400"}
    )
    messages.gateway_save(actor=people["auto.admin"], data={"kind": "outbox", "signature": "汽车销售"})
    contacts = _reachable(manager, "auto", "mobile", 10)
    if not contacts:
        contacts = list(Contact.objects.visible_to(manager).exclude(mobile="")[:10])
    campaigns.campaign_members_add(actor=manager, campaign=promotion, kind="contact", ids=[c.pk for c in contacts])
    campaigns.campaign_launch(actor=manager, campaign=promotion)
    template = messages.template_save(
        actor=manager,
        data={
            "name": "购车节邀请短信",
            "channel": "sms",
            "body": (
                "{{ contact.name }}您好，双十一购车节本周末开幕，全系车型限时优惠，到店试驾送好礼。"
                "详询{{ owner.name }} {{ owner.mobile }}"
            ),
        },
    )
    sent_at = _at(start, 11)
    message = messages.message_send(actor=head, campaign=promotion, template=template)
    sending.plan(message.pk, at=sent_at)
    sending.deliver(sent_at)
    gateway = messages.gateway_of(promotion.business_unit_id)
    rows = list(Delivery.objects.filter(message=message, status="sent").order_by("pk"))
    if rows:
        tracking.sms_inbound(gateway_token=gateway.inbound_token, mobile=rows[0].person, text="TD")
    for row in rows[1:3]:
        tracking.sms_inbound(gateway_token=gateway.inbound_token, mobile=row.person, text="周六上午可以试驾吗？")
    _backdate(promotion, start + timedelta(days=1))
    replied = [row.member.customer for row in rows[1:3] if row.member and row.member.customer]
    for index, customer in enumerate(replied):
        _deal(customer, "购车节试驾意向", ["268000", "189000"][index], win=index == 0,
              on=start + timedelta(days=3 + index))  # fmt: skip
