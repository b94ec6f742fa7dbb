"""The demo's partner portal: the people of two channel partners — one of each unit — invited by the partner's
manager and signed up (password ``guanxi-demo``), who then registered leads and customers (one of them held
by a colleague already, so a conflict case waits for the managers) and opened a service ticket, all through
the services, in office hours of the last weeks."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.core.exceptions import ValidationError

from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer
from guanxi.org.models import User

from . import services
from .models import PartnerMember

PASSWORD = "guanxi-demo"

# partner, (username, name, e-mail, position), leads (person, company, mobile, need), customers (name, phone,
# contact, mobile), a ticket (subject, description)
PORTALS = [
    (
        "苏州恒泰工业设备有限公司",
        [("hengtai.gu", "顾建国", "gu.jianguo@hengtai-equip.example"),
         ("hengtai.wang", "王晓燕", "wang.xiaoyan@hengtai-equip.example")],
        [("陈志强", "无锡锡山精工机械有限公司", "13961587720", "三台立式加工中心，下季度到位"),
         ("刘海燕", "常州武进新材料科技有限公司", "13813562291", "车间改造，询数控车床和配套夹具")],
        [("南京江宁华鑫自动化有限公司", "025-52108867", "周斌", "13770652218")],
        ("主轴异响，需要上门检查", "客户反映二号机主轴高速时有异响，已停机，请尽快安排工程师。"),
    ),
    (
        "上海安驰汽车服务有限公司",
        [("anchi.lu", "陆志明", "lu.zhiming@anchi-auto.example")],
        [("黄丽", "上海嘉定远景物流有限公司", "13601921870", "车队更新，二十台轻型货车"),
         ("吴强", "", "13917260435", "个人购车，关注新能源车型")],
        [("上海松江云帆汽车租赁有限公司", "021-57718320", "孙磊", "13764218853")],
        ("新车交付后空调不制冷", "客户上周提车，空调制冷效果差，希望安排到店检测。"),
    ),
]  # fmt: skip


def load(out: TextIO) -> None:
    if PartnerMember.objects.exists():
        out.write("Demo partner portal: already there.\n")
        return
    rng = random.Random(27)
    people = registrations = tickets = 0
    for name, members, leads, customers, ticket in PORTALS:
        partner = Customer.objects.filter(name=name, kind=Customer.Kind.PARTNER).select_related("owner").first()
        if partner is None or partner.owner is None:
            continue
        try:
            _credit_ordering_customers(partner)
            users = _sign_up(partner, members, rng)
            people += len(users)
            registrations += _register(users, leads, customers, rng)
            tickets += _ticket(users[0], partner, ticket, rng)
        except (DomainError, ValidationError) as error:
            out.write(f"  partner portal of {name}: {error}\n")
    out.write(
        f"Demo partner portal: {people} users of the channel partners (password {PASSWORD}), "
        f"{registrations} registrations, {tickets} service tickets.\n"
    )


def _credit_ordering_customers(partner: Customer, count: int = 2) -> None:
    """Two of the manager's customers with confirmed orders came through the partner, so its people have
    orders and deliveries to follow (an edit of each customer by its owner, through the customers' service)."""
    from guanxi.customers.services import customer_update
    from guanxi.sales.orders.models import DEAL_STATUSES, Order

    owner = partner.owner
    assert owner is not None
    ordering = Order.objects.filter(status__in=DEAL_STATUSES, customer__owner=owner, customer__partner__isnull=True)
    ids = list(ordering.order_by("customer_id").values_list("customer_id", flat=True).distinct()[:count])
    for customer in Customer.objects.filter(pk__in=ids, kind="company"):
        customer_update(actor=owner, customer=customer, version=customer.version, data={"partner": partner})


def _sign_up(partner: Customer, members: list[tuple[str, str, str]], rng: random.Random) -> list[User]:
    assert partner.owner is not None
    contact = partner.contacts.order_by("-is_primary", "pk").first()
    users = []
    for index, (username, name, email) in enumerate(members):
        day = workday_back(rng, newest=40 - index * 5, oldest=45 - index * 5)
        moment = office_moment(rng, day)
        with as_of(moment):
            _invitation, link = services.invitation_send(
                actor=partner.owner, partner=partner, name=name, email=email,
                contact=contact if contact is not None and contact.name == name else None,
            )  # fmt: skip
        with as_of(moment + timedelta(hours=3)):
            token = link.rstrip("/").rsplit("/", 1)[1]
            users.append(services.invitation_accept(token=token, username=username, password=PASSWORD))
    return users


def _register(
    users: list[User], leads: list[tuple[str, str, str, str]], customers: list[tuple[str, str, str, str]],
    rng: random.Random,
) -> int:  # fmt: skip
    made = 0
    for index, (person, company, mobile, need) in enumerate(leads):
        with as_of(office_moment(rng, workday_back(rng, newest=3 + index * 7, oldest=8 + index * 7))):
            services.registration_submit_lead(
                actor=users[index % len(users)],
                data={"name": person, "company": company, "mobile": mobile, "need": need},
            )
        made += 1
    for name, phone, contact, mobile in customers:
        with as_of(office_moment(rng, workday_back(rng, newest=10, oldest=20))):
            services.registration_submit_customer(
                actor=users[-1], data={"name": name, "phone": phone}, contact={"name": contact, "mobile": mobile}
            )
        made += 1
    held = _held_by_a_colleague(users[0])
    if held is not None:  # a customer a colleague already holds: the case waits for the managers
        with as_of(office_moment(rng, workday_back(rng, newest=1, oldest=4))):
            services.registration_submit_customer(actor=users[0], data={"name": held.name}, contact=None)
        made += 1
    return made


def _held_by_a_colleague(user: User) -> Customer | None:
    member = PartnerMember.objects.select_related("partner").get(user=user)
    partner = member.partner
    rows = Customer.objects.filter(business_unit_id=partner.business_unit_id, owner__isnull=False, kind="company")
    return rows.exclude(owner_id=partner.owner_id).exclude(partner=partner).order_by("pk").first()


def _ticket(user: User, partner: Customer, ticket: tuple[str, str], rng: random.Random) -> int:
    brought = Customer.objects.filter(partner=partner).order_by("pk").first()
    if brought is None:
        return 0
    subject, description = ticket
    with as_of(office_moment(rng, workday_back(rng, newest=1, oldest=3))):
        services.partner_ticket_open(
            actor=user, customer=brought, data={"type": "repair", "priority": "important", "subject": subject,
                                                "description": description},
        )  # fmt: skip
    return 1
