"""A salesperson on the road at 375 px, and a manager at 1280×800 (SPEC §15): every page fits the phone's
width, the record's name reads on one line, and the page's main action shows without scrolling."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, ViewportSize, expect

from guanxi.activities.services import plan_create
from guanxi.leads.services import lead_create
from guanxi.sales.services import opportunity_create
from tests.conftest import World, grant
from tests.e2e.test_activities import later_today
from tests.e2e.test_shell import sign_in
from tests.pool.pool_helpers import in_pool, registered
from tests.sales import quoting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = ViewportSize(width=375, height=740)
LONG_NAME = "乌鲁木齐华远软件医疗器械有限公司"
CITIES = ["北京", "天津", "石家庄", "太原", "沈阳", "长春", "哈尔滨", "南京", "杭州", "合肥", "福州", "南昌", "济南"]
CITIES += ["郑州", "武汉", "长沙", "广州", "南宁", "海口", "成都", "贵阳", "昆明", "西安", "兰州", "西宁"]


def fits_the_phone(page: Page) -> None:
    page.wait_for_load_state()  # a click may have started a navigation: measure the new page, not the gap between
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def readable(name: Locator) -> None:
    """The name is no column of single characters: at least six characters wide, one line high."""
    box = name.bounding_box()
    size = float(name.evaluate("element => parseFloat(getComputedStyle(element).fontSize)"))
    line = float(name.evaluate("element => parseFloat(getComputedStyle(element).lineHeight) || 0")) or size * 1.5
    assert box is not None and box["width"] >= 6 * size and box["height"] < 1.8 * line, (name, box, size, line)


def in_view(action: Locator) -> None:
    expect(action).to_be_visible()
    box = action.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (action, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (action, box)


def test_a_salesperson_works_one_handed_at_375_px(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    customer = registered(world.alice, LONG_NAME, phone="13900001234")
    registered(world.alice, "上海华信科技有限公司")
    pooled = in_pool(world, "杭州远景电子有限公司")
    for subject in ("电话回访报价", "上门演示", "确认需求", "发送合同"):
        plan_create(actor=world.alice, subject=subject, due_at=later_today(), customer=customer)
    opportunity = opportunity_create(
        actor=world.alice,
        customer=customer,
        data={"name": "数控机床改造", "amount": Decimal(80000), "need": "改造", "contact": customer.contacts.get()},
    )
    lead_create(actor=world.alice, data={"name": "王小明", "mobile": "13900001111", "company": "宁波远景电子有限公司"})
    base = str(live_server)
    page.set_viewport_size(PHONE)
    sign_in(page, base, "alice")

    # The list: rows as cards under a closed filter drawer, the first one readable on the first screen.
    page.goto(f"{base}/customers/")
    fits_the_phone(page)
    expect(page.get_by_test_id("filter-drawer")).to_be_visible()
    expect(page.get_by_label("名称、拼音、编号或电话")).to_be_hidden()
    row = page.get_by_role("link", name=LONG_NAME)
    readable(row)
    in_view(row)
    in_view(page.get_by_role("link", name="新建客户"))

    # A filter shows as a chip and goes with one tap.
    page.get_by_test_id("filter-drawer").click()
    page.get_by_label("名称、拼音、编号或电话").fill("乌鲁木齐")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("filter-chip")).to_contain_text("名称、拼音、编号或电话：乌鲁木齐")
    expect(page.get_by_role("link", name="上海华信科技有限公司")).to_have_count(0)
    page.get_by_test_id("filter-chip").click()
    expect(page.get_by_role("link", name="上海华信科技有限公司")).to_be_visible()
    expect(page.get_by_test_id("filter-chip")).to_have_count(0)

    # The 360 page: the name on one line above the actions; the rest of them in a menu; the phone dials.
    row.click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/"))
    fits_the_phone(page)
    readable(page.get_by_role("heading", name=LONG_NAME))
    in_view(page.get_by_test_id("primary-action"))
    expect(page.get_by_role("link", name="编辑")).to_be_hidden()
    page.get_by_role("button", name="更多操作").click()
    expect(page.get_by_role("link", name="编辑")).to_be_visible()
    expect(page.get_by_role("link", name="13900001234")).to_have_attribute("href", "tel:13900001234")

    # The follow-up form keeps Save within reach.
    page.get_by_test_id("primary-action").click()
    expect(page).to_have_url(re.compile(r"/activities/followups/new/"))
    fits_the_phone(page)
    in_view(page.get_by_role("button", name="保存"))

    # The agenda: its title is not under its buttons; each plan's action is at hand.
    page.goto(f"{base}/activities/agenda/")
    fits_the_phone(page)
    title = page.get_by_role("heading", name="日程")
    readable(title)
    actions = page.locator(".page-actions")
    assert title.bounding_box()["y"] + title.bounding_box()["height"] <= actions.bounding_box()["y"]  # type: ignore[index]
    in_view(page.get_by_test_id("record-and-complete").first)

    # The week: one day under the other, each plan's customer and subject in full.
    page.goto(f"{base}/activities/calendar/?view=week")
    fits_the_phone(page)
    chip = page.get_by_role("link", name="电话回访报价")
    expect(chip).to_contain_text(LONG_NAME)
    readable(chip)
    in_view(page.get_by_role("link", name="今天"))

    # The pool: the customer and its claim button on the first screen.
    page.goto(f"{base}/customers/pool/")
    fits_the_phone(page)
    readable(page.get_by_role("link", name="杭州远景电子有限公司"))
    in_view(page.get_by_test_id(f"claim-{pooled.pk}"))

    # The board: one whole column, its card readable.
    page.goto(f"{base}/sales/board/")
    fits_the_phone(page)
    readable(page.locator(f"#card-{opportunity.pk}").get_by_role("link", name="数控机床改造"))
    in_view(page.get_by_role("link", name="新建商机"))

    # The opportunity and lead lists.
    page.goto(f"{base}/sales/opportunities/")
    fits_the_phone(page)
    readable(page.get_by_role("link", name="数控机床改造"))
    in_view(page.get_by_role("link", name="新建商机"))
    page.goto(f"{base}/leads/")
    fits_the_phone(page)
    readable(page.get_by_role("link", name="王小明"))
    in_view(page.get_by_role("link", name="新建线索"))


def test_a_manager_sees_twenty_customers_at_1280_by_800(live_server: object, page: Page) -> None:
    world = World()
    grant(world.bob, "sales_manager")
    grant(world.alice, "salesperson")
    for city in CITIES:
        registered(world.alice, f"{city}恒通商贸有限公司")
    page.set_viewport_size(ViewportSize(width=1280, height=800))
    sign_in(page, str(live_server), "bob")

    page.goto(f"{live_server}/customers/")
    expect(page.get_by_role("link", name=f"{CITIES[0]}恒通商贸有限公司")).to_be_visible()
    shown = page.evaluate(
        "[...document.querySelectorAll('tbody tr')].filter(row => row.getBoundingClientRect().bottom <= innerHeight)"
        ".length"
    )
    assert shown >= 20
    # The last change of each row: today in the one date format, on one line.
    updated = page.locator("tbody td", has_text=re.compile(r"^\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s*$")).first
    assert updated.inner_text().strip().startswith(timezone.localdate().isoformat())
    lines = (
        "cell => { const text = document.createRange(); text.selectNodeContents(cell);"
        " return text.getClientRects().length }"
    )
    assert updated.evaluate(lines) == 1


def test_the_month_reads_as_counts_and_a_list_of_days_on_the_phone_in_english(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    world.alice.language = "en"
    world.alice.save(update_fields=["language"])
    customer = registered(world.alice, LONG_NAME)
    for subject in ("电话回访报价", "上门演示", "确认需求"):
        plan_create(actor=world.alice, subject=subject, due_at=later_today(), customer=customer)
    page.set_viewport_size(PHONE)
    sign_in(page, str(live_server), "alice")

    page.goto(f"{live_server}/activities/calendar/?view=month")
    fits_the_phone(page)
    today = page.locator(f"td[data-date='{timezone.localdate().isoformat()}']")
    expect(today.locator(".calendar-dot")).to_have_text("3")  # the day's plans as a count …
    expect(today.locator(".badge")).to_have_count(3)
    for chip in today.locator(".badge").all():
        expect(chip).to_be_hidden()
    entry = page.get_by_test_id("month-list").get_by_role("link", name="电话回访报价")  # … and in full below
    for line in (entry.locator(".calendar-entry-line").first, entry.get_by_text(LONG_NAME)):
        readable(line)
    in_view(page.get_by_role("link", name="Today"))
    today.locator(".calendar-dot").click()
    expect(page.locator(f"#day-{timezone.localdate().isoformat()}")).to_be_in_viewport()


def test_a_page_without_secondary_actions_shows_no_more_menu(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    pooled = in_pool(world, "杭州远景电子有限公司")
    page.set_viewport_size(PHONE)
    sign_in(page, str(live_server), "alice")
    page.goto(f"{live_server}/customers/{pooled.pk}/")
    in_view(page.get_by_test_id("claim"))
    expect(page.get_by_role("button", name="更多操作")).to_be_hidden()
    page.goto(f"{live_server}/activities/agenda/")  # a page with secondary actions keeps it
    expect(page.get_by_role("button", name="更多操作")).to_be_visible()


def test_a_manager_sees_twenty_five_opportunities_and_the_whole_pool_at_1280_by_800(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.bob, "sales_manager")
    grant(world.alice, "salesperson")
    names = [f"{city}恒通精密机械制造股份有限公司" for city in CITIES] + [
        f"{city}远东食品有限公司" for city in CITIES[:4]
    ]
    for number, name in enumerate(names):
        customer = registered(world.alice, name)
        opportunity_create(
            actor=world.alice,
            customer=customer,
            data={
                "name": f"{name} 五轴加工中心改造项目",
                "amount": Decimal(1280000 + number),
                "need": "改造",
                "contact": customer.contacts.get(),
            },
        )
    for city in CITIES[:6]:
        in_pool(world, f"{city}远景新材料科技发展有限公司")
    page.set_viewport_size(ViewportSize(width=1280, height=800))
    sign_in(page, str(live_server), "bob")

    page.goto(f"{live_server}/sales/opportunities/")
    first = page.get_by_test_id("opportunity-list").locator("tbody tr").first.get_by_role("link").first
    expect(first).to_be_visible()
    assert first.get_attribute("title") is None and first.locator("xpath=..").get_attribute("title")  # whole name
    shown = page.evaluate(
        "[...document.querySelectorAll('tbody tr')].filter(row => row.getBoundingClientRect().bottom <= innerHeight)"
        ".length"
    )
    assert shown >= 25
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.goto(f"{live_server}/customers/pool/")
    table = page.get_by_test_id("pool-table")
    expect(table.get_by_role("link", name=f"{CITIES[0]}远景新材料科技发展有限公司")).to_be_visible()
    wrapper = table.locator("xpath=..")
    assert wrapper.evaluate("box => box.scrollWidth - box.clientWidth") == 0  # no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    expect(table.get_by_role("button", name="领取").first).to_be_in_viewport()


def test_the_last_cards_menu_opens_inside_the_screen(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    for city in CITIES[:8]:
        customer = registered(world.alice, f"{city}恒通商贸有限公司")
        data = {"name": f"{city}产线改造", "amount": Decimal(1), "need": "改造", "contact": customer.contacts.get()}
        opportunity_create(actor=world.alice, customer=customer, data=data)
    page.set_viewport_size(ViewportSize(width=1280, height=600))
    sign_in(page, str(live_server), "alice")
    page.goto(f"{live_server}/sales/board/")
    last = page.locator(".board-cards").first.locator(".board-card").last
    last.scroll_into_view_if_needed()
    last.locator("summary").click()
    stages = last.locator(".dropdown-menu button.dropdown-item")
    expect(stages.last).to_be_in_viewport()
    box = stages.last.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 600
    middle = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).textContent", middle)
    assert on_top == stages.last.text_content()  # nothing covers it, no scrolling box cuts it off


def test_quotes_and_products_read_as_cards_on_the_phone(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    lathe = quoting.product(world.root, name="五轴立式加工中心（含刀库与自动换刀系统）")
    quoting.quote(world.alice, quoting.customer(world.alice, LONG_NAME), {"product": lathe.pk, "quantity": 2})
    page.set_viewport_size(PHONE)
    sign_in(page, str(live_server), "alice")
    for path, test_id, name in (
        ("/sales/quotes/", "quote-list", LONG_NAME),
        ("/sales/products/", "product-list", "五轴立式加工中心"),
    ):
        page.goto(f"{live_server}{path}")
        fits_the_phone(page)
        readable(page.get_by_test_id(test_id).get_by_text(name).first)
