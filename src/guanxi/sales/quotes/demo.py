"""The demo company's catalogue and quotes: equipment for 华东工业装备, cars and services for 汽车销售; quotes in
every state, and one below the floor price waiting in sh.manager's inbox (待我审批)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.core.errors import DomainError
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.workflows.selectors import inbox
from guanxi.workflows.services import approval_decide

from ..products import services as products
from ..products.models import Product
from . import services
from .models import Quote

# unit code → (its administrator, {category: [(code, name, spec, unit of measure, list, floor, cost, tax %)]})
CATALOGUES: dict[str, tuple[str, dict[str, list[tuple[str, str, str, str, int, int, int, int]]]]] = {
    "industrial": (
        "unitadmin",
        {
            "加工设备": [
                ("JG-5X-800", "五轴加工中心", "工作台 800×800mm，主轴 18000rpm", "台", 1280000, 1150000, 930000, 13),
                ("JG-CK-6150", "数控车床", "最大回转直径 500mm", "台", 268000, 238000, 186000, 13),
            ],
            "自动化产线": [
                ("ZX-ZP-01", "自动化装配线", "节拍 30 秒，含 MES 接口", "条", 2350000, 2100000, 1700000, 13),
                ("ZX-FJ-02", "自动分拣输送线", "8000 件/小时", "套", 1450000, 1300000, 1020000, 13),
                ("ZX-SJ-03", "视觉检测设备", "检测精度 0.02mm", "台", 380000, 340000, 250000, 13),
            ],
            "服务": [
                ("FW-AZ", "安装调试服务", "含培训两天", "项", 60000, 50000, 30000, 6),
                ("FW-WB", "年度维保合同", "两次巡检，4 小时响应", "年", 48000, 42000, 20000, 6),
            ],
        },
    ),
    "auto": (
        "auto.admin",
        {
            "整车": [
                ("CAR-SD-20T", "轿车 2.0T 豪华版", "2.0T 8AT，珍珠白", "辆", 239800, 229800, 205000, 13),
                ("CAR-SUV-15T", "SUV 1.5T 舒适版", "1.5T CVT，四驱", "辆", 168800, 159800, 142000, 13),
                ("CAR-MPV-20T", "MPV 2.0T 商务版", "7 座，电动侧滑门", "辆", 288800, 275000, 246000, 13),
            ],
            "精品与服务": [
                ("SVC-YB-3", "延保服务", "延长 3 年/10 万公里", "份", 6800, 5800, 2500, 6),
                ("ACC-TM-01", "全车贴膜", "隔热防爆膜", "套", 4800, 3800, 1500, 13),
            ],
        },
    ),
}


def load(out: TextIO) -> None:
    if Product.all_objects.exists():
        out.write(f"Demo products: {Product.objects.count()} already there.\n")
        return
    made = 0
    for admin_name, categories in CATALOGUES.values():
        admin = User.objects.filter(username=admin_name).first()
        if admin is None:
            continue
        for category_name, rows in categories.items():
            category = products.product_category_save(actor=admin, name=category_name)
            for code, name, spec, uom, price, floor, cost, tax in rows:
                products.product_create(
                    actor=admin,
                    data={"code": code, "name": name, "specification": spec, "unit_of_measure": uom,
                          "list_price": Decimal(price), "floor_price": Decimal(floor), "cost": Decimal(cost),
                          "tax_rate": Decimal(tax), "category": category, "stock_quantity": Decimal(12)},
                )  # fmt: skip
                made += 1
    out.write(f"Demo products: {made} in the two units' catalogues.\n")
    _quotes(out)


# (salesperson, the discount % off list on the first product, what happens to the quote)
PLAN = {
    "industrial": [
        ("sales1", 0, "draft"), ("sales1", 5, "approved"), ("sales2", 3, "sent"), ("sales1", 2, "accepted"),
        ("sales2", 4, "rejected"), ("sales1", 0, "expired"), ("sales2", 15, "pending"),
    ],
    "auto": [
        ("auto.sales1", 2, "draft"), ("auto.sales2", 3, "sent"), ("auto.sales1", 1, "accepted"),
        ("auto.sales2", 0, "approved"),
    ],
}  # fmt: skip
# outcome → (working days ago the quote was made, days until the customer answered): the older a quote, the
# further it went; the one waiting for approval was made this morning.
AGES = {
    "draft": (2, 0), "pending": (0, 0), "approved": (5, 0), "sent": (12, 0),
    "accepted": (70, 9), "rejected": (45, 12), "expired": (110, 0),
}  # fmt: skip


def _quotes(out: TextIO) -> None:
    rng = random.Random(2026)  # the same history on every machine
    made = 0
    for unit_code, plan in PLAN.items():
        catalogue = list(Product.objects.filter(business_unit__code=unit_code).order_by("pk"))
        for index, (username, discount, outcome) in enumerate(plan):
            seller = User.objects.filter(username=username).first()
            customer = (
                Customer.objects.filter(owner=seller).order_by("pk")[index : index + 1].first() if seller else None
            )
            if seller is None or customer is None:
                continue
            first, extra = catalogue[index % 3], catalogue[-1]
            lines = [
                {"product": first.pk, "quantity": 1 + index % 2, "discount_percent": Decimal(discount)},
                {"product": extra.pk, "quantity": 1},
            ]
            ago, answered_after = AGES[outcome]
            day = workday_back(rng, newest=ago, oldest=ago) if ago else timezone.localdate()
            made_at = max(office_moment(rng, day, hours=(9, 11)), customer.created_at + timedelta(days=1))
            made_at = min(made_at, timezone.now() - timedelta(minutes=30))  # never later than now
            try:
                with as_of(made_at):
                    quote = services.quote_create(
                        actor=seller,
                        customer=customer,
                        data={"note": "含税价，付款方式：30% 预付，发货前付清"},
                        lines=lines,
                    )
                _advance(seller, quote, outcome, made_at, answered_after)
            except (DomainError, ValidationError) as error:
                out.write(f"  skipped one quote: {error}\n")
                continue
            made += 1
    out.write(f"Demo quotes: {made} in every state; one waits in sh.manager's inbox.\n")


def _advance(seller: User, quote: Quote, outcome: str, made_at: datetime, answered_after: int) -> None:
    """The quote's later steps, each as of its own moment: submitted within the hour, approved that
    afternoon, sent the next morning, answered days later; an expired one runs out its validity."""
    if outcome == "draft":
        return
    with as_of(made_at + timedelta(minutes=40)):
        services.quote_submit(actor=seller, quote=quote)
    quote.refresh_from_db()
    if quote.status == "pending" and outcome != "pending":  # a manager approved it
        request = inbox(actor=seller.manager).first() if seller.manager else None
        if request is not None:
            with as_of(made_at + timedelta(hours=4)):
                approval_decide(actor=seller.manager, request=request, approve=True, comment="同意")  # type: ignore[arg-type]
    if outcome not in ("sent", "accepted", "rejected", "expired"):
        return
    sent_at = made_at + timedelta(days=1)
    with as_of(sent_at):
        services.quote_send(actor=seller, quote=quote)
    answered_at = sent_at + timedelta(days=answered_after)
    with as_of(answered_at):
        if outcome == "accepted":
            services.quote_accept(actor=seller, quote=quote)
        elif outcome == "rejected":
            services.quote_reject(actor=seller, quote=quote, reason="客户预算调整")
    if outcome == "expired":
        quote.refresh_from_db()
        expiry = timezone.make_aware(datetime.combine(quote.valid_until + timedelta(days=1), time(2, 0)))
        with as_of(expiry):  # the nightly sweep after the validity ended
            services.quotes_expire(at=expiry)
