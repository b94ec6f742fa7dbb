"""Customer contribution (ranking, Pareto shares, ABC classes), RFM segments with the lifetime value, and
sales targets measured by confirmed orders: figures worked out by hand from a few November orders."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client

from guanxi.analytics.forms import ReportFilterForm
from guanxi.analytics.framework import cell_records, report_get
from guanxi.analytics.targets import MEASURE_PARAMETER, attainment
from guanxi.core.config.parameters import parameters_set
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.orders import services as orders
from guanxi.sales.orders.models import Order
from guanxi.sales.products.models import Product
from tests.conftest import World, grant
from tests.sales.quoting import customer, product

from .test_reports import by_label, figures

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


@dataclass
class Deals:
    world: World
    x: Customer  # Alice's: two orders, 8 lathes each (18,080), on 3 and 5 November
    y: Customer  # Alice's: 2 lathes (2,260) on 10 November
    z: Customer  # Alice's: 1 lathe (1,130) on 20 November
    w: Customer  # Charlie's: 1 lathe (1,130) on 25 November


def _confirmed(actor: User, client: Customer, lathe: Product, quantity: int, day: date) -> Order:
    row = orders.order_create(
        actor=actor, customer=client, data={"ordered_on": day}, lines=[{"product": lathe.pk, "quantity": quantity}]
    )
    return orders.order_confirm(actor=actor, order=row)


@pytest.fixture
def deals(world: World) -> Deals:
    grant(world.root)
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    lathe = product(world.root)  # 1,000 + 13 % tax = 1,130 a lathe
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        x, y, z = (customer(world.alice, name) for name in ("甲客户有限公司", "乙客户有限公司", "丙客户有限公司"))
        w = customer(world.charlie, "丁客户有限公司")
        _confirmed(world.alice, x, lathe, 8, date(2026, 11, 3))
        _confirmed(world.alice, x, lathe, 8, date(2026, 11, 5))
        _confirmed(world.alice, y, lathe, 2, date(2026, 11, 10))
        _confirmed(world.alice, z, lathe, 1, date(2026, 11, 20))
        _confirmed(world.charlie, w, lathe, 1, date(2026, 11, 25))
        _confirmed(world.alice, y, lathe, 50, date(2026, 10, 30))  # October: outside the period
        orders.order_create(  # a draft is no deal
            actor=world.alice, customer=z, data={"ordered_on": date(2026, 11, 21)}, lines=[{"product": lathe.pk}]
        )
    return Deals(world, x, y, z, w)


@pytest.fixture(autouse=True)
def _early_december() -> object:
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False) as clock:
        yield clock


def test_customers_are_ranked_by_amount_with_their_share_and_abc_class(deals: Deals) -> None:
    result = figures(deals.world.root, "contribution", NOVEMBER)
    rows = [(row.label, row.values["amount"], row.values["share"], row.values["cumulative"], row.values["class"])
            for row in result.rows]  # fmt: skip
    assert rows == [
        ("甲客户有限公司", Decimal("18080.00"), Decimal("80.0"), Decimal("80.0"), "A"),
        ("乙客户有限公司", Decimal("2260.00"), Decimal("10.0"), Decimal("90.0"), "B"),  # crossing 80 % is A, after B
        ("丙客户有限公司", Decimal("1130.00"), Decimal("5.0"), Decimal("95.0"), "B"),
        ("丁客户有限公司", Decimal("1130.00"), Decimal("5.0"), Decimal("100.0"), "C"),
    ]
    assert (result.totals["amount"], result.totals["orders"], result.totals["customers"]) == (
        Decimal("22600.00"),
        5,
        4,
    )
    classes = figures(deals.world.root, "contribution", NOVEMBER + "&by=class")
    assert by_label(classes, "customers") == {
        "Class A (first 80 %)": 1,
        "Class B (next 15 %)": 2,
        "Class C (last 5 %)": 1,
    }


def test_a_class_drills_to_the_orders_of_its_customers_and_a_salesperson_ranks_only_their_own(deals: Deals) -> None:
    root, alice = deals.world.root, deals.world.alice
    report = report_get("contribution")
    form = ReportFilterForm(QueryDict(NOVEMBER + "&by=class"), report=report, actor=root)
    assert form.is_valid()
    behind = cell_records(actor=root, report=report, filters=form.filters(), cell="B")
    assert sorted(behind.values_list("customer__name", flat=True)) == ["丙客户有限公司", "乙客户有限公司"]
    mine = figures(alice, "contribution", NOVEMBER)
    assert [(row.label, row.values["class"]) for row in mine.rows] == [
        ("甲客户有限公司", "A"),  # 18,080 of Alice's 21,470: 84.2 %
        ("乙客户有限公司", "B"),
        ("丙客户有限公司", "B"),
    ]


def test_rfm_segments_against_the_average_customer_and_the_lifetime_value(deals: Deals) -> None:
    # at 30 November: recency 25, 20, 10, 5 days (average 15); orders 2, 1, 1, 1 (1.25); amount average 5,650
    result = figures(deals.world.root, "rfm", NOVEMBER + "&by=customer")
    rows = {
        row.label: (row.values["recency"], row.values["segment"], row.values["lifetime_value"]) for row in result.rows
    }
    assert rows == {
        "甲客户有限公司": (25, "Important to keep", Decimal("659920")),  # 18,080 in 30 days, 3 years
        "乙客户有限公司": (20, "General to win back", Decimal("82490")),
        "丙客户有限公司": (10, "General to develop", Decimal("41245")),
        "丁客户有限公司": (5, "General to develop", Decimal("41245")),
    }
    segments = figures(deals.world.root, "rfm", NOVEMBER)
    assert by_label(segments, "customers") == {
        "Important to keep": 1,
        "General to win back": 1,
        "General to develop": 2,
    }
    # the segment is a column beside each customer, not beside the segments themselves
    assert "segment" in [m.code for m in result.measures] and "segment" not in [m.code for m in segments.measures]
    report = report_get("rfm")
    form = ReportFilterForm(QueryDict(NOVEMBER), report=report, actor=deals.world.root)
    assert form.is_valid()
    behind = cell_records(actor=deals.world.root, report=report, filters=form.filters(), cell="general_develop")
    assert sorted(behind.values_list("customer__name", flat=True)) == ["丁客户有限公司", "丙客户有限公司"]


def test_the_value_reports_show_and_export_in_the_readers_language(deals: Deals, client: Client) -> None:
    client.force_login(deals.world.root)
    page = client.get(f"/reports/contribution/?{NOVEMBER}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "客户贡献" in page and "甲客户有限公司" in page and "80.0%" in page
    page = client.get(f"/reports/rfm/?{NOVEMBER}&compare=previous").content.decode()
    assert "重要保持客户" in page
    exported = client.get(f"/reports/contribution/export/?{NOVEMBER}&format=csv").content.decode("utf-8-sig")
    assert "甲客户有限公司" in exported and "18080" in exported


def test_targets_measured_by_confirmed_orders_or_signed_contracts(deals: Deals) -> None:
    root = deals.world.root
    unit = deals.world.unit
    parameters_set(actor=root, unit=unit, values={MEASURE_PARAMETER: "confirmed_orders"})
    result = attainment(actor=root, year=2026, period="m11", kind="amount")
    assert {row.label: row.actual for row in result.people} == {
        "李爱丽": Decimal("21470.00"),
        "张查理": Decimal("1130.00"),
    }
    assert "deals=1" in result.people[0].link and "ordered_from=2026-11-01" in result.people[0].link
    counts = attainment(actor=root, year=2026, period="m11", kind="count")
    assert {row.label: row.actual for row in counts.people}["李爱丽"] == Decimal("4")
    parameters_set(actor=root, unit=unit, values={MEASURE_PARAMETER: "signed_contracts"})
    assert attainment(actor=root, year=2026, period="m11", kind="amount").people == []


def test_the_order_list_takes_the_owner_and_deals_filters_of_a_drill_down(deals: Deals, client: Client) -> None:
    client.force_login(deals.world.root)
    query = f"deals=1&owner={deals.world.alice.pk}&ordered_from=2026-11-01&ordered_to=2026-11-30"
    page = client.get(f"/sales/orders/?{query}").content.decode()
    numbers = set(
        Order.objects.filter(owner=deals.world.alice, status="confirmed", ordered_on__month=11).values_list(
            "number", flat=True
        )
    )
    assert len(numbers) == 4 and all(number in page for number in numbers)
    draft = Order.objects.get(status="draft")
    assert draft.number not in page
    client.force_login(deals.world.alice)  # a salesperson has nobody else to choose: no owner filter
    assert 'name="owner"' not in client.get("/sales/orders/").content.decode()
