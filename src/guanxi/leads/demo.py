"""Demo leads (SPEC §5): a web form and two assignment rules, and about sixty leads from the telephone, the
website's form, a trade show and referrals — some followed up, qualified, invalid or converted, and a few
left a month without a follow-up so that the compliance report has something to show."""

import random
from datetime import timedelta
from typing import TextIO

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from faker import Faker

from guanxi.core.errors import DomainError
from guanxi.org.models import Department, User

from . import services, webforms
from .conversion import lead_convert
from .models import Lead

BEIJING = {"province": "110000", "city": "110100", "county": "110105"}  # 北京市 朝阳区
TRADES = ["科技", "贸易", "机械", "电子"]
NEEDS = ["想了解产品报价", "需要上门演示", "比较几家供应商", "年底前采购两台", "咨询售后服务", "想试用一个月",
         "替换现有系统", "展会上留的名片"]  # fmt: skip


def load(out: TextIO) -> None:
    if Lead.all_objects.exists():
        out.write(f"Demo leads: {Lead.objects.count()} already there.\n")
        return
    admin = User.objects.filter(username="admin").first()
    shanghai = Department.objects.filter(name="上海一部").first()
    beijing = Department.objects.filter(name="北京一部").first()
    if admin is None or shanghai is None or beijing is None:
        out.write("Demo leads: the demo company is missing, skipped.\n")
        return
    fake = Faker("zh_CN")
    fake.seed_instance(2028)
    rng = random.Random(2028)
    rule = webforms.rule_save(
        actor=admin,
        rule=None,
        data={"name": "官网与展会线索 · 上海一部轮流", "priority": 10, "kind": "round_robin", "department": shanghai,
              "sources": ["online", "exhibition"], "is_active": True},
    )  # fmt: skip
    webforms.rule_save(
        actor=admin,
        rule=None,
        data={"name": "北京地区 · 北京一部轮流", "priority": 20, "kind": "round_robin", "department": beijing,
              "provinces": ["110000"], "is_active": True},
    )  # fmt: skip
    form = webforms.leadform_save(
        actor=admin,
        form=None,
        data={"name": "官网 · 预约演示", "title": "预约产品演示", "intro": "留下联系方式，顾问一个工作日内联系您。",
              "fields": ["name", "company", "mobile", "email", "need"], "required": ["name", "mobile"],
              "source": "online", "campaign": "2026 官网", "department": shanghai, "rule": rule,
              "thank_you": "谢谢！顾问会在一个工作日内与您联系。", "is_active": True},
    )  # fmt: skip
    people = {
        user.username: user for user in User.objects.filter(username__in=["sales1", "sales2", "sales4", "marketing"])
    }
    made: list[Lead] = []
    attempts = 0
    while len(made) < 60 and attempts < 300:
        attempts += 1
        data = {
            "name": fake.name(),
            "company": f"{fake.city_name()}{fake.company_prefix()}{rng.choice(TRADES)}有限公司"
            if rng.random() < 0.8
            else "",
            "mobile": fake.phone_number(),
            "need": rng.choice(NEEDS),
        }
        try:
            kind = len(made) % 4
            if kind == 0:  # from the website's form, assigned by its rule
                token = signing.dumps({"f": form.key, "t": timezone.now().timestamp() - 60}, salt=webforms.TOKEN_SALT)
                lead = webforms.webform_submit(form=form, data=data, token=token, ip=f"demo-{len(made)}")
            elif kind == 1:  # cold calls entered by a salesperson
                lead = services.lead_create(
                    actor=people["sales1"], data={**data, "source": "telemarketing"}, owner=people["sales1"]
                )
            elif kind == 2:  # business cards from the trade show, handed out by the rules
                lead = services.lead_create(
                    actor=people["marketing"], data={**data, "source": "exhibition", "campaign": "2026 上海工博会"},
                    by_rules=True,
                )  # fmt: skip
            else:  # Beijing referrals, by region
                lead = services.lead_create(
                    actor=people["marketing"],
                    data={**data, "source": "sub_dealer", **BEIJING},
                    by_rules=True,
                )
        except (DomainError, ValidationError):
            continue  # a generated phone that does not validate or repeats: draw another
        if lead is not None:
            made.append(lead)
    _work_on(made, rng, out)
    out.write(f"Demo leads: {len(made)} added, 1 web form, 2 assignment rules.\n")


def _work_on(leads: list[Lead], rng: random.Random, out: TextIO) -> None:
    """What salespeople did with them: follow-ups, statuses, a few conversions; some left idle for weeks."""
    now = timezone.now()
    for index, lead in enumerate(leads):
        lead.refresh_from_db()
        owner = lead.owner
        if owner is None:
            continue
        try:
            if index % 5 == 0:  # idle for over a month: the compliance report lists it
                Lead.objects.filter(pk=lead.pk).update(created_at=now - timedelta(days=35 + index % 10))
            elif index % 5 == 1:
                services.lead_followup_record(actor=owner, lead=lead, content="电话沟通了需求", channel="phone")
            elif index % 5 == 2:
                services.lead_followup_record(actor=owner, lead=lead, content="微信发了资料", channel="wechat")
                services.lead_set_status(actor=owner, lead=Lead.objects.get(pk=lead.pk), status="qualified")
            elif index % 5 == 3 and index % 3 == 0:
                services.lead_set_status(actor=owner, lead=lead, status="invalid", reason="空号或无意向")
            elif index % 5 == 4 and index % 3 == 1:
                lead_convert(actor=owner, lead=Lead.objects.get(pk=lead.pk))
        except (DomainError, ValidationError) as error:
            out.write(f"  lead {lead.number}: {error}\n")
