"""The demo's channel partners (渠道管理): a distributor and an agent in each unit, registered by the unit's
manager before most customers and locked to them by their head, each credited with the demo customers of its
territory that it brought — those with orders first, so the Partner tab and the partner report have deals to
show. Their leads come with the leads' demo."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.demo import as_of
from guanxi.core.errors import DomainError
from guanxi.customers import services as customers
from guanxi.customers.demo import PLACES
from guanxi.customers.models import Customer
from guanxi.customers.regions.models import Region
from guanxi.org.models import User
from guanxi.pool.services import customer_lock

# (owner, who locks it, name, type, level, territory, the addresses it covers, days ago it was registered,
# contact, mobile, phone, place (customers.demo.PLACES) and street, remarks)
PARTNERS = [
    ("sh.manager", "east", "苏州恒泰工业设备有限公司", "distributor", "gold", "江苏南部（苏州、无锡、南京）",
     ("江苏省",), 350, "顾建国", "13962118807", "0512-65281166", ("苏州", "东方大道988号"),
     "区域总经销，有自己的安装调试团队，年度任务八百万。"),
    ("sh.manager", "east", "杭州精研机电代理有限公司", "agent", "silver", "浙江全省", ("浙江省",), 320,
     "沈丽华", "13857106623", "0571-86759021", ("余杭", "文一西路1218号"),
     "按单提成的代理商，擅长化工和食品行业客户。"),
    ("auto.manager", "auto.head", "上海安驰汽车服务有限公司", "distributor", "gold", "上海嘉定、松江",
     ("嘉定区", "松江区"), 85, "陆志明", "13601872245", "021-59532210", ("嘉定", "安亭镇墨玉路185号"),
     "二级经销商，嘉定和松江各有一个展厅。"),
    ("auto.manager", "auto.head", "昆山顺通汽车代理有限公司", "agent", "registered", "昆山及周边", ("昆山市",), 80,
     "许文斌", "13915798830", "0512-57712268", ("昆山", "前进东路579号"),
     "代理转介绍购车客户，按台结算佣金。"),
]  # fmt: skip
BROUGHT = 10  # customers per partner, at most


def load(out: TextIO) -> None:
    if Customer.all_objects.filter(kind=Customer.Kind.PARTNER).exists():
        out.write("Demo channel partners: already there.\n")
        return
    people = {user.username: user for user in User.objects.filter(username__in={row[0] for row in PARTNERS} | {
        row[1] for row in PARTNERS})}  # fmt: skip
    regions_loaded = Region.objects.filter(code="310115").exists()  # tests run without the region table
    made = brought = 0
    for row in PARTNERS:
        username, locker, name, kind, level, territory, covers, days, contact, mobile, phone, at, remarks = row
        manager, head = people.get(username), people.get(locker)
        if manager is None or head is None:
            continue
        province, city, county, district, _streets = PLACES[at[0]]
        data = {"name": name, "kind": "partner", "partner_type": kind, "partner_level": level,
                "territory": territory, "industry": "trade", "phone": phone, "address": f"{district}{at[1]}",
                "remarks": remarks, "level": "A", "rating": 3}  # fmt: skip
        if regions_loaded:
            data.update(province=province, city=city, county=county)
        moment = (timezone.now() - timedelta(days=days)).replace(hour=2, minute=30)  # 10:30 company time
        try:
            with as_of(moment):
                partner = customers.customer_create(
                    actor=manager, data=data, contact={"name": contact, "mobile": mobile, "position": "总经理"}
                )
            with as_of(moment + timedelta(hours=2)):  # a partner is the manager's for good: it never goes back
                customer_lock(actor=head, customer=partner, note="渠道伙伴，由经理长期维护")
        except (DomainError, ValidationError) as error:
            out.write(f"  partner {name}: {error}\n")
            continue
        made += 1
        brought += _credit(partner, covers)
    out.write(f"Demo channel partners: {made}, who brought {brought} customers.\n")


def _credit(partner: Customer, covers: tuple[str, ...]) -> int:
    """The partner brought the unit's customers of its territory registered after it (with orders first)."""
    rows = Customer.objects.filter(
        business_unit_id=partner.business_unit_id, partner__isnull=True, created_at__gt=partner.created_at
    ).exclude(pk=partner.pk)
    found = [row for row in rows.order_by("last_order_at", "pk") if any(place in row.address for place in covers)]
    found.sort(key=lambda row: row.last_order_at is None)
    credited = 0
    if partner.owner is None:
        return 0
    for customer in found[:BROUGHT]:
        with as_of(customer.updated_at):  # noted with its last change: its day stays its own
            if customers.customer_partner_attribute(actor=partner.owner, customer=customer, partner_id=partner.pk):
                credited += 1
    return credited
