import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guanxi.sales.products import services as products
from guanxi.sales.quotes.models import Quote
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_quote_below_floor_is_approved_from_the_managers_inbox_then_downloaded_as_pdf(
    live_server: object, page: Page, tmp_path: Path
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    products.product_create(
        actor=world.root,
        data={"code": "ZX-01", "name": "转向机总成", "list_price": Decimal(1000), "floor_price": Decimal(900),
              "unit_of_measure": "台"},
    )  # fmt: skip
    customer = register(world.alice, "华信精密机械有限公司")
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/quotes/new/?customer={customer.pk}")
    picker = page.locator("[data-quote-line]").first
    picker.locator(".ts-control input").fill("zxj")
    page.locator(".ts-dropdown .option", has_text="转向机总成").click()
    expect(picker.locator("input[name$='-unit_price']")).to_have_value("1000.00")
    picker.locator("input[name$='-unit_price']").fill("850")
    page.get_by_role("button", name=re.compile("保存草稿|Save draft")).click()
    expect(page.locator("[data-below-floor]")).to_be_visible()
    page.get_by_role("button", name=re.compile("^提交$|^Submit$")).click()
    expect(page.locator("[data-quote-status]").first).to_have_attribute("data-quote-status", "pending")
    quote = Quote.objects.get()

    page.context.clear_cookies()
    sign_in(page, base, "bob")
    inbox = page.locator("a.nav-link", has_text=re.compile("待我审批|Waiting for my approval"))
    expect(inbox.locator("[data-nav-badge]")).to_have_text("1")
    inbox.click()
    page.get_by_role("link", name=re.compile(quote.number)).click()
    page.get_by_label(re.compile("批注|Comment")).fill("老客户，同意")
    page.get_by_role("button", name=re.compile("^审批$|^Approve$")).click()
    expect(page.locator("[data-nav-badge]")).to_have_count(0)
    assert Quote.objects.get().status == "approved"

    page.context.clear_cookies()
    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/quotes/{quote.pk}/")
    expect(page.locator("[data-quote-status]").first).to_have_attribute("data-quote-status", "approved")
    with page.expect_download() as download:
        page.locator("[data-quote-pdf]").click()
    saved = tmp_path / "quote.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"{quote.number}.pdf" and saved.read_bytes().startswith(b"%PDF")
