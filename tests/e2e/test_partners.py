"""A channel manager on a phone (375 px): the partner's 360 page and its Partner tab, the lists it pages
through, and the customer form's partner section fit the screen; the report shows the partner."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guanxi.sales import services as sales
from tests.conftest import World, grant
from tests.customers.test_partners import client, partner
from tests.e2e.test_phone import PHONE, fits_the_phone
from tests.e2e.test_shell import sign_in
from tests.sales.conftest import open_opportunity

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_channel_manager_reads_the_partner_tab_on_a_phone(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    dealer = partner(world.alice, "苏州恒泰工业设备有限公司", territory="江苏南部（苏州、无锡、南京）")
    for n in range(23):
        brought = client(world.alice, f"无锡第{n}号精密机械有限公司", partner=dealer)
        if n < 3:
            won = open_opportunity(world.alice, brought, f"数控改造{n}期", amount=Decimal(120000 + n))
            sales.opportunity_win(actor=world.alice, opportunity=won)
    base = str(live_server)
    page.set_viewport_size(PHONE)
    sign_in(page, base, "alice")

    page.goto(f"{base}/customers/{dealer.pk}/?tab=partner")
    figures = page.get_by_test_id("partner-figures")
    expect(figures).to_be_visible()
    expect(page.get_by_test_id("partner-customers")).to_have_text("23")
    expect(page.get_by_test_id("partner-won")).to_contain_text("360,003.00")
    expect(page.get_by_test_id("partner-section-customers").locator("tbody tr")).to_have_count(20)
    fits_the_phone(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "partner-tab-375.png", full_page=True)

    page.get_by_test_id("partner-section-customers").get_by_role("link", name="下一页").click()
    expect(page.get_by_test_id("partner-section-customers").locator("tbody tr")).to_have_count(3)
    page.locator(".partner-sections").get_by_role("link", name="商机").click()
    expect(page.get_by_test_id("partner-section-opportunities").locator("tbody tr")).to_have_count(3)
    fits_the_phone(page)

    page.goto(f"{base}/customers/{dealer.pk}/edit/")
    expect(page.get_by_test_id("section-partner")).to_have_attribute("open", "")
    expect(page.get_by_label("负责区域")).to_have_value("江苏南部（苏州、无锡、南京）")
    fits_the_phone(page)
    page.screenshot(path=SHOTS / "partner-form-375.png", full_page=True)

    page.goto(f"{base}/customers/new/")
    page.get_by_test_id("section-partner").locator("summary").click()
    page.get_by_label("来源渠道伙伴").select_option(label="苏州恒泰工业设备有限公司")
    fits_the_phone(page)
