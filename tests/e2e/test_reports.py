import re
from decimal import Decimal
from io import BytesIO

import pytest
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from guanxi.sales import services
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_opens_the_funnel_drills_into_a_stage_and_exports_it(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    customer = register(world.alice, "华信精密机械有限公司")
    for name, amount in (("数控机床改造", 80000), ("二期产线", 120000)):
        services.opportunity_create(
            actor=world.alice, customer=customer, data={"name": name, "amount": Decimal(amount)}
        )
    other = register(world.charlie, "北京远航科技有限公司", contact={"name": "李四", "mobile": "13912345678"})
    services.opportunity_create(actor=world.charlie, customer=other, data={"name": "北京项目", "amount": Decimal(5000)})
    base = str(live_server)

    sign_in(page, base, "bob")
    page.goto(f"{base}/reports/")
    page.get_by_test_id("report-funnel").click()
    expect(page.get_by_role("heading", name="销售漏斗")).to_be_visible()
    expect(page.locator(".report-chart canvas")).to_have_count(1)  # ECharts drew the funnel
    first = page.get_by_test_id("report-row").first
    expect(first).to_contain_text("2")  # Alice's two, not Charlie's
    expect(first).to_contain_text("200,000.00")

    first.get_by_test_id("drill").click()
    expect(page).to_have_url(re.compile(r"/sales/opportunities/\?.*created_from="))
    rows = page.get_by_test_id("opportunity-list").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("opportunity-list")).not_to_contain_text("北京项目")

    page.go_back()
    with page.expect_download() as download:
        page.get_by_test_id("report-export").click()
    content = download.value.path().read_bytes()
    sheet = CalamineWorkbook.from_filelike(BytesIO(content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "阶段" and sheet[1][1] == 2 and sheet[1][2] == 200000
    assert sheet[-1][0] == "合计" and sheet[-1][1] == 2
