"""Demo service desks (SPEC §9) for both units: a manager and agents with skills, tickets of the past weeks in
every state (one urgent complaint left to miss its deadline and be escalated), and a knowledge base of thirty
articles, some on the public FAQ. Built through the services, each step as of its moment."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role, User

from . import knowledge, services, tasks
from .models import Article, Skill, Ticket

DEMO_PASSWORD = "guanxi-demo"

# unit code → (department, [(username, role, manager, skills)])
DESKS = {
    "industrial": (
        "客户服务部",
        [
            ("service", "service_manager", None, ["consultation", "suggestion", "complaint", "other"]),
            ("svc1", "service_agent", "service", ["repair", "complaint", "visit"]),
            ("svc2", "service_agent", "service", ["consultation", "repair", "other"]),
        ],
    ),
    "auto": (
        "运营管理部",
        [
            ("auto.service", "service_manager", None, ["complaint", "suggestion", "other"]),
            ("auto.svc1", "service_agent", "auto.service", ["repair", "consultation", "visit", "complaint"]),
        ],
    ),
}

# (type, channel, priority, subject, description, handling notes)
TICKETS = {
    "industrial": [
        ("repair", "phone_in", "urgent", "数控折弯机液压系统漏油", "客户反映设备左侧油缸渗油，已停机。", "更换油缸密封圈并补充液压油，试机正常。"),
        ("complaint", "phone_in", "urgent", "交货延期两周，影响客户产线投产", "客户采购部来电投诉，要求说明原因并给出补救方案。", ""),
        ("consultation", "web", "normal", "激光切割机保养周期咨询", "询问光路清洁和镜片更换的周期。", "发送保养手册，说明每500小时清洁光路。"),
        ("repair", "on_site", "important", "注塑机温控报警", "三号机料筒温度波动，报警E21。", "更换热电偶，校准温控表。"),
        ("suggestion", "email", "normal", "建议增加中文操作界面", "客户操作工希望触摸屏提供中文菜单。", "已转研发评估，下一版本固件支持中文。"),
        ("complaint", "wechat", "important", "安装工程师现场态度不好", "客户微信反映安装人员迟到且沟通生硬。", "主管致电道歉，更换安装负责人。"),
        ("visit", "phone_out", "normal", "设备验收后满月回访", "例行回访设备运行情况。", "客户反馈运行稳定，提出培训需求。"),
        ("repair", "phone_in", "normal", "空压机噪音偏大", "夜班反映空压机运行噪音明显变大。", "紧固底座螺栓，更换减震垫。"),
        ("consultation", "phone_in", "normal", "备件报价及供货周期", "询问主轴轴承备件价格。", "报价已发，现货三天发出。"),
        ("other", "email", "normal", "发票抬头需要更正", "客户财务要求把发票抬头改为新公司名称。", "已作废重开并快递寄出。"),
        ("repair", "on_site", "urgent", "冲床离合器打滑", "二号冲床离合器打滑，冲压件尺寸不稳定。", ""),
        ("consultation", "web", "normal", "远程诊断模块如何开通", "客户想开通设备联网远程诊断。", ""),
    ],
    "auto": [
        ("complaint", "phone_in", "urgent", "新车交付一周后发动机故障灯亮", "客户很不满意，要求换车。", ""),
        ("repair", "on_site", "important", "空调制冷效果差", "车主反映空调出风不凉。", "补充冷媒，检查管路无泄漏。"),
        ("consultation", "wechat", "normal", "首保时间和项目咨询", "车主询问首保里程和费用。", "告知五千公里首保免工时费。"),
        ("visit", "phone_out", "normal", "购车48小时回访", "回访新车使用情况。", "客户对交车流程满意。"),
        ("complaint", "phone_in", "important", "保养等待时间过长", "客户投诉周末保养等了三个小时。", "致歉并赠送一次免费洗车，优化预约流程。"),
        ("suggestion", "web", "normal", "希望开通线上预约保养", "客户建议在公众号预约保养。", "已上线小程序预约。"),
    ],
}

# the states the demo's tickets reach, in turn: how many steps of the lifecycle each goes through
STATES = ["archived", "in_progress", "new", "resolved", "assigned", "feedback", "archived", "second_round"]

ARTICLES = {
    "industrial": [
        ("设备维护", "数控折弯机日常点检清单", "<p>每班开机前检查液压油位、油温及各润滑点。</p><ul><li>油位低于标线须补油</li><li>油温超过55℃停机检查冷却器</li><li>检查后挡料定位精度</li></ul>", True),
        ("设备维护", "激光切割机光路清洁步骤", "<p>每运行<strong>500小时</strong>清洁一次光路。先关闭激光器并断电，佩戴无尘手套，用专用镜头纸蘸无水乙醇单向擦拭。</p>", True),
        ("设备维护", "液压系统漏油的常见原因", "<p>多数漏油由密封圈老化、管接头松动或油温过高引起。先确认漏点，再按顺序排查密封件与接头。</p>", False),
        ("设备维护", "空压机噪音变大怎么处理", "<p>检查底座螺栓是否松动、减震垫是否老化，必要时检查轴承与皮带张紧度。</p>", True),
        ("设备维护", "注塑机温控报警E21排查", "<p>E21 表示料筒温度偏差过大。依次检查热电偶接线、加热圈电阻和温控表参数。</p>", False),
        ("设备维护", "冲床离合器打滑的处理方法", "<p>先调整离合器间隙，检查摩擦片磨损；气压不足也会导致打滑，请确认气源压力不低于0.5MPa。</p>", False),
        ("安装调试", "设备到货验收注意事项", "<p>开箱前拍照留存，核对装箱单；发现外包装破损请在签收单注明并第一时间联系客服。</p>", True),
        ("安装调试", "安装前现场需要准备什么", "<p>地基承重、三相电源、压缩空气接口及叉车通道须提前准备到位，详见安装条件确认书。</p>", True),
        ("安装调试", "首次开机试运行流程", "<p>空载运行30分钟，检查异响与温升，再逐步加载到额定负荷，填写试运行记录。</p>", False),
        ("备件与报价", "常用备件供货周期说明", "<p>密封件、滤芯等易损件常备现货，三个工作日内发出；主轴、伺服电机等需确认库存。</p>", True),
        ("备件与报价", "如何查询备件价格", "<p>在服务热线报设备型号与铭牌编号，客服会在一个工作日内发送正式报价。</p>", True),
        ("备件与报价", "备件质保政策", "<p>原厂备件自安装之日起质保六个月，人为损坏不在质保范围内。</p>", True),
        ("财务与发票", "发票抬头更正流程", "<p>请提供加盖公章的更正申请与新的开票信息，我们作废原发票后重新开具。</p>", True),
        ("财务与发票", "付款方式与账期", "<p>支持银行转账与承兑汇票；账期按合同约定执行，逾期将暂停售后上门服务。</p>", False),
        ("远程服务", "远程诊断模块开通说明", "<p>设备需接入企业网络并开放指定端口，签署数据安全协议后由工程师远程开通。</p>", True),
        ("远程服务", "远程诊断时数据安全吗", "<p>所有连接均经加密通道传输，仅读取设备运行参数，不访问客户的生产数据。</p>", True),
        ("投诉处理", "投诉处理时限承诺", "<p>紧急投诉一小时内响应、一个工作日内给出处理方案，处理结果将回访确认。</p>", True),
        ("投诉处理", "客户投诉的内部升级规则", "<p>超时未响应的投诉由系统自动升级至服务经理，必要时上报分管领导。</p>", False),
        ("培训", "操作工培训课程安排", "<p>每月第二周举办设备操作培训，可在服务热线预约名额。</p>", True),
        ("培训", "触摸屏中文界面设置", "<p>进入“系统设置-语言”，选择“简体中文”后重启控制器即可。</p>", True),
    ],
    "auto": [
        ("保养", "新车首保时间与项目", "<p>首保在五千公里或六个月内进行（以先到为准），包括更换机油、机滤并全车检查，免收工时费。</p>", True),
        ("保养", "如何在线预约保养", "<p>关注公众号后进入“服务-预约保养”，选择门店和时间即可，到店无需排队。</p>", True),
        ("保养", "保养一般需要多长时间", "<p>常规保养约一小时；预约客户优先进站，建议避开周末上午高峰。</p>", True),
        ("故障", "发动机故障灯亮了怎么办", "<p>若灯常亮且车辆无异常，可低速行驶到店检测；若灯闪烁，请立即靠边停车并联系救援。</p>", True),
        ("故障", "空调不凉的常见原因", "<p>冷媒不足、冷凝器脏堵或压缩机故障都会导致制冷差，请到店检测。</p>", True),
        ("故障", "胎压报警灯亮的处理", "<p>先目视检查轮胎，冷车状态下按门柱标签充气后重置胎压监测。</p>", True),
        ("购车与交付", "新车交付流程说明", "<p>交车前完成PDI检测，交车时讲解功能并签署交车确认单，48小时内回访。</p>", False),
        ("购车与交付", "上牌需要准备的材料", "<p>身份证、购车发票、合格证、交强险保单，外地户籍需居住证。</p>", True),
        ("投诉处理", "投诉受理与回复时限", "<p>投诉受理后一个工作日内回复处理方案，结案前回访确认客户满意度。</p>", True),
        ("投诉处理", "换车与退车的政策说明", "<p>按照家用汽车“三包”规定执行，符合条件的由厂家审核后办理。</p>", False),
    ],
}


def load(out: TextIO) -> None:
    if Ticket.all_objects.exists():
        out.write(f"Demo tickets: {Ticket.objects.count()} already there.\n")
        return
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        out.write("Demo tickets: the demo company is missing, skipped.\n")
        return
    rng = random.Random(2029)
    for code, (department_name, team) in DESKS.items():
        department = Department.objects.filter(business_unit__code=code, name=department_name).first()
        customers = list(Customer.objects.filter(business_unit__code=code).order_by("pk")[:40])
        if department is None or not customers:
            continue
        people = _desk(department, team)
        manager, agents = people[0], people[1:]
        articles = _knowledge(manager, ARTICLES[code])
        _tickets(rng, manager, agents, customers, TICKETS[code], articles)
    late = tasks.sla_breaches(timezone.now())
    out.write(
        f"Demo service: {Ticket.objects.count()} tickets, {Article.objects.count()} knowledge-base articles; {late}.\n"
    )


def _desk(department: Department, team: list[tuple[str, str, str | None, list[str]]]) -> list[User]:
    """The desk's people with their roles and skills (the service manager first)."""
    roles = {role.code: role for role in Role.objects.all()}
    people: dict[str, User] = {}
    password = make_password(DEMO_PASSWORD)
    for number, (username, role, manager, skills) in enumerate(team, start=1):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                display_name=f"客服{department.name[:2]}{number}",
                mobile=f"1391234{number:04d}",
                email=f"{username}@huaxin.example.cn",
                department=department,
                manager=people.get(manager or ""),
                password=password,
            )
        user.roles.add(roles[role])
        user.__dict__.pop("_grants", None)
        for skill in skills:
            Skill.objects.get_or_create(user=user, type=skill)
        people[username] = user
    return list(people.values())


def _knowledge(manager: User, rows: list[tuple[str, str, str, bool]]) -> list[Article]:
    categories: dict[str, object] = {}
    articles = []
    for order, (category, title, body, public) in enumerate(rows):
        if category not in categories:
            categories[category] = knowledge.category_create(actor=manager, name=category, sort_order=order)
        data = {"title": title, "category": categories[category], "body": body, "is_public": public}
        articles.append(knowledge.article_create(actor=manager, data=data))
    return articles


def _tickets(
    rng: random.Random,
    manager: User,
    agents: list[User],
    customers: list[Customer],
    rows: list[tuple[str, str, str, str, str, str]],
    articles: list[Article],
) -> None:
    for index, (type, channel, priority, subject, description, notes) in enumerate(rows):
        state = STATES[index % len(STATES)]
        if type == "complaint" and priority == "urgent":
            state = "new"  # left alone: it misses its deadline and the sweep escalates it
        if not notes and state not in ("new", "assigned", "in_progress"):
            state = "in_progress"
        day = workday_back(rng, newest=2 if state == "new" else 3, oldest=6 if state == "new" else 25)
        moment = office_moment(rng, day)
        customer = customers[index % len(customers)]
        data = {"type": type, "channel": channel, "priority": priority, "subject": subject, "description": description}
        with as_of(moment):
            ticket = services.ticket_create(actor=manager, customer=customer, data=data)
        if state == "new":
            continue
        agent = next((person for person in agents if person.service_skills.filter(type=type).exists()), agents[0])
        moment = _later(rng, moment)
        with as_of(moment):
            services.ticket_assign(actor=manager, ticket=ticket, assignee=agent)
        if state == "assigned":
            continue
        moment = _later(rng, moment)
        with as_of(moment):
            services.ticket_start(actor=agent, ticket=ticket)
        if state == "in_progress":
            continue
        moment = _later(rng, moment)
        used = [article for article in articles if article.title[:2] in subject][:1]
        with as_of(moment):
            services.ticket_resolve(actor=agent, ticket=ticket, resolution=notes, articles=used)
        if state == "resolved":
            continue
        moment = _later(rng, moment)
        with as_of(moment):
            if state == "feedback":
                services.ticket_feedback_link(actor=agent, ticket=ticket)
                continue
            if state == "second_round":  # unhappy the first time, satisfied after a second visit
                services.ticket_feedback(actor=manager, ticket=ticket, satisfaction=2, comment="问题反复出现")
        if state == "second_round":
            for step in (
                lambda: services.ticket_start(actor=agent, ticket=ticket),
                lambda: services.ticket_resolve(actor=agent, ticket=ticket, resolution=f"复查：{notes}"),
            ):
                moment = _later(rng, moment)
                with as_of(moment):
                    step()
            moment = _later(rng, moment)
        with as_of(moment):
            services.ticket_feedback(actor=manager, ticket=ticket, satisfaction=rng.choice([4, 5, 5, 3]), comment="")


def _later(rng: random.Random, moment: datetime) -> datetime:
    """A little later the same or the next working day, never in the future."""
    later = moment + timedelta(minutes=rng.randrange(20, 300, 5))
    return min(later, timezone.now() - timedelta(minutes=1))
