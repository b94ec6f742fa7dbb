"""Demo leads (SPEC §5): a web form and two assignment rules, and about sixty leads of the past two months from
the telephone, the website's form, a trade show and referrals — some followed up, qualified, invalid or
converted, and a few left a month without a follow-up so that the compliance report has something to show.
Each is recorded as of its day (``core.demo``'s clock)."""

import random
from datetime import datetime, timedelta
from typing import TextIO

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from faker import Faker

from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.core.errors import DomainError
from guanxi.customers.demo import BRANDS, PLACES
from guanxi.org.models import Department, User

from . import services, webforms
from .conversion import lead_convert
from .models import Lead

BEIJING = {"province": "110000", "city": "110100", "county": "110105"}  # 北京市 朝阳区
CITIES = ["上海", "苏州", "杭州", "无锡", "宁波", "北京", "天津"]
TRADES = ["精密机械", "电子科技", "包装材料", "汽车零部件"]
NEEDS = ["想了解设备报价", "需要上门做技术交流", "比较几家供应商", "年底前采购两台", "咨询售后和维保",
         "想看样板工厂", "旧设备更新", "展会上留的名片"]  # fmt: skip
IDLE_DAYS = (35, 45)  # the compliance report lists leads idle over a month


def load(out: TextIO) -> None:
    if Lead.all_objects.exists():
        out.write(f"Demo leads: {Lead.objects.count()} already there.\n")
        _pools(out)
        _partner_leads(out)
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
            "company": f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
            if rng.random() < 0.8
            else "",
            "mobile": fake.phone_number(),
            "need": rng.choice(NEEDS),
        }
        idle = len(made) % 5 == 0  # see _work_on
        days = rng.randint(*IDLE_DAYS) if idle else rng.randint(1, 30)
        try:
            with as_of(office_moment(rng, workday_back(rng, newest=days, oldest=days))):
                kind = len(made) % 4
                if kind == 0:  # from the website's form, assigned by its rule
                    token = signing.dumps(
                        {"f": form.key, "t": timezone.now().timestamp() - 60}, salt=webforms.TOKEN_SALT
                    )
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
    _pools(out)
    _partner_leads(out)


# (partner, who enters its leads, the leads: person, company, need, place (customers.demo.PLACES), street)
PARTNER_LEADS = {
    "苏州恒泰工业设备有限公司": ("sales2", [
        ("钱卫东", "无锡华锐精密机械有限公司", "经销商介绍，想更换两台加工中心", "无锡", "长江路88号"),
        ("吴晓燕", "苏州联创电子科技有限公司", "产线自动化改造，经销商陪同拜访", "苏州", "宝带东路366号"),
        ("朱海峰", "南京正源食品有限公司", "扩建包装车间，经销商报备的项目", "南京", "天元东路1009号"),
    ]),
    "杭州精研机电代理有限公司": ("sales1", [
        ("徐静", "宁波德利化工有限公司", "安全整改，代理商推荐我司设备", "宁波", "明州路515号"),
        ("何志强", "杭州蓝象新材料有限公司", "研发中心采购试验设备", "杭州", "建设一路77号"),
    ]),
    "上海安驰汽车服务有限公司": ("auto.sales1", [
        ("陈子豪", "", "二级店转来的客户，想试驾SUV", "嘉定", "叶城路1288号"),
        ("林佳怡", "松江长风物流有限公司", "车队置换三辆商务车", "松江", "新桥镇民益路39号"),
    ]),
    "昆山顺通汽车代理有限公司": ("auto.sales2", [
        ("黄俊杰", "", "代理介绍，家用第二辆车", "昆山", "黄浦江南路266号"),
        ("周雅琴", "", "置换旧车，关注新能源车型", "昆山", "马鞍山中路802号"),
    ]),
}  # fmt: skip


def _partner_leads(out: TextIO) -> None:
    """Leads the channel partners passed on (sales/partners/demo.py made the partners), entered by a salesperson
    of the partner's unit over the past weeks; one of each partner's was converted."""
    from guanxi.customers.models import Customer

    if Lead.all_objects.filter(partner__isnull=False).exists():
        return
    partners = {row.name: row for row in Customer.objects.filter(kind=Customer.Kind.PARTNER)}
    people = {user.username: user for user in User.objects.filter(username__in=["sales1", "sales2", "auto.sales1",
                                                                                   "auto.sales2"])}  # fmt: skip
    fake = Faker("zh_CN")
    fake.seed_instance(2030)
    rng = random.Random(2030)
    made = 0
    for partner_name, (username, rows) in PARTNER_LEADS.items():
        partner, actor = partners.get(partner_name), people.get(username)
        if partner is None or actor is None:
            continue
        for index, (name, company, need, place, street) in enumerate(rows):
            province, city, county, district, _streets = PLACES[place]
            data = {"name": name, "company": company, "mobile": fake.phone_number(), "need": need, "partner": partner,
                    "source": "sub_dealer", "province": province, "city": city, "county": county,
                    "address": f"{district}{street}"}  # fmt: skip
            try:
                with as_of(office_moment(rng, workday_back(rng, newest=3, oldest=40))):
                    lead = services.lead_create(actor=actor, data=data, owner=actor)
                if index == 0:
                    with as_of(office_moment(rng, workday_back(rng, newest=1, oldest=2))):  # after it came in
                        lead_convert(actor=actor, lead=Lead.objects.get(pk=lead.pk))
            except (DomainError, ValidationError) as error:
                out.write(f"  partner lead {name}: {error}\n")
                continue
            made += 1
    out.write(f"Demo partner leads: {made}.\n")


def _pools(out: TextIO) -> None:
    """Lead pools (线索池): the unit's pool with leads of several sources waiting (a web form without a rule,
    leads entered by hand and imported into the pool, one claimed and one returned), and a failed-leads
    pool whose leads a manager reassigns."""
    from .models import Channel, LeadForm, LeadPool
    from .pools import services as pools

    if LeadPool.objects.exists():
        return
    admin = User.objects.filter(username="admin").first()
    people = {user.username: user for user in User.objects.filter(username__in=["sales1", "sales3", "marketing"])}
    if admin is None or len(people) < 3:
        return
    fake = Faker("zh_CN")
    fake.seed_instance(2029)
    rng = random.Random(2029)
    common = pools.lead_pool_save(actor=admin, pool=None, data={"name": "线索公海", "reclaim_days": 10})
    failed = pools.lead_pool_save(actor=admin, pool=None, data={"name": "失败线索池", "is_failed": True})
    form = webforms.leadform_save(
        actor=admin,
        form=None,
        data={"name": "公众号 · 免费试用", "title": "申请免费试用", "intro": "填写信息，我们安排试用。",
              "fields": ["name", "company", "mobile", "need"], "required": ["name", "mobile"],
              "source": "referral", "campaign": "2026 公众号", "thank_you": "已收到申请，请留意来电。",
              "is_active": True},
    )  # fmt: skip
    assert isinstance(form, LeadForm)
    made: list[Lead] = []
    for index in range(18):
        data = {
            "name": fake.name(),
            "company": f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司",
            "mobile": fake.phone_number(),
            "need": rng.choice(NEEDS),
        }
        try:
            with as_of(office_moment(rng, workday_back(rng, newest=1, oldest=20))):
                if index % 3 == 0:  # the web form has no rule and none matches: the lead waits in the pool
                    token = signing.dumps(
                        {"f": form.key, "t": timezone.now().timestamp() - 60}, salt=webforms.TOKEN_SALT
                    )
                    lead = webforms.webform_submit(form=form, data=data, token=token, ip=f"demo-pool-{index}")
                elif index % 3 == 1:  # entered by marketing straight into the pool
                    lead = services.lead_create(
                        actor=people["marketing"], data={**data, "source": "walk_in"}, pool=common
                    )
                else:  # a purchased list, imported into the pool
                    lead = services.lead_create(
                        actor=people["marketing"], data={**data, "source": "other"}, pool=common, channel=Channel.IMPORT
                    )
        except (DomainError, ValidationError):
            continue
        if lead is not None:
            made.append(lead)
    waiting = [lead for lead in made if Lead.objects.filter(pk=lead.pk, pool=common, owner__isnull=True).exists()]
    try:
        if len(waiting) > 6:
            pools.lead_claim(actor=people["sales1"], lead=Lead.objects.get(pk=waiting[0].pk))
            pools.lead_claim(actor=people["sales3"], lead=Lead.objects.get(pk=waiting[1].pk))
            pools.lead_return(actor=people["sales3"], lead=Lead.objects.get(pk=waiting[1].pk), reason="客户暂无预算")
            pools.leads_move(actor=admin, pool=common, ids=[lead.pk for lead in waiting[-3:]], target=failed)
    except (DomainError, ValidationError) as error:
        out.write(f"  lead pools: {error}\n")
    out.write(f"Demo lead pools: 2 pools, {len(made)} leads of several sources.\n")


def _an_hour_ago() -> datetime:
    return timezone.now() - timedelta(hours=1)


def _work_on(leads: list[Lead], rng: random.Random, out: TextIO) -> None:
    """What salespeople did with them: follow-ups, statuses, a few conversions; some left idle for weeks."""
    for index, lead in enumerate(leads):
        lead.refresh_from_db()
        owner = lead.owner
        if owner is None or index % 5 == 0:  # idle for over a month: the compliance report lists it
            continue
        # worked on a day or two after it came in; converted lately, so the new customer is not about to expire
        later = min(lead.created_at + timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 5)), _an_hour_ago())
        try:
            with as_of(later):
                if index % 5 == 1:
                    services.lead_followup_record(actor=owner, lead=lead, content="电话沟通了需求。", channel="phone")
                elif index % 5 == 2:
                    services.lead_followup_record(actor=owner, lead=lead, content="微信发了资料。", channel="wechat")
                    services.lead_set_status(actor=owner, lead=Lead.objects.get(pk=lead.pk), status="qualified")
                elif index % 5 == 3 and index % 3 == 0:
                    services.lead_set_status(actor=owner, lead=lead, status="invalid", reason="空号或无意向")
            if index % 5 == 4 and index % 3 == 1:
                with as_of(_an_hour_ago() - timedelta(days=rng.randint(0, 3))):
                    lead_convert(actor=owner, lead=Lead.objects.get(pk=lead.pk))
        except (DomainError, ValidationError) as error:
            out.write(f"  lead {lead.number}: {error}\n")
