import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guanxi.customers.models import Customer
from guanxi.sales.contracts.models import Contract
from guanxi.sales.products import services as products
from guanxi.sales.quotes import services as quotes
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_approved_quote_becomes_a_contract_that_is_approved_and_signed_and_the_customer_is_won(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    lathe = products.product_create(
        actor=world.root,
        data={"code": "JG-CK-6150", "name": "数控车床", "list_price": Decimal(268000), "floor_price": Decimal(238000),
              "unit_of_measure": "台"},
    )  # fmt: skip
    customer = register(world.alice, "华信精密机械有限公司")
    quote = quotes.quote_create(actor=world.alice, customer=customer, data={}, lines=[{"product": lathe.pk}])
    quotes.quote_submit(actor=world.alice, quote=quote)  # at list price: approved at once
    base = str(live_server)
    today = timezone.localdate()

    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/quotes/{quote.pk}/")
    page.get_by_test_id("quote-to-contract").click()
    expect(page.get_by_label("合同金额")).to_have_value("302840.00")
    page.get_by_label("标题").fill("数控车床采购合同")
    page.get_by_label("开始日期").fill(str(today))
    page.get_by_label("结束日期").fill(str(today - timedelta(days=1)))
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("结束日期必须晚于开始日期。")).to_be_visible()  # the refusal, on its field
    assert Contract.objects.count() == 0
    page.get_by_label("结束日期").fill(str(today + timedelta(days=365)))
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("[data-contract-status]").first).to_have_attribute("data-contract-status", "draft")
    contract = Contract.objects.get()
    assert contract.quote_id == quote.pk and contract.lines.get().product_id == lathe.pk
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("[data-contract-status]").first).to_have_attribute("data-contract-status", "pending")

    page.context.clear_cookies()
    sign_in(page, base, "bob")
    page.locator("a.nav-link", has_text="待我审批").click()
    page.get_by_role("link", name=re.compile(contract.number)).click()
    page.get_by_role("button", name=re.compile("^审批$")).click()
    contract.refresh_from_db()
    assert contract.status == "approved"

    page.context.clear_cookies()
    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/contracts/{contract.pk}/")
    sign = page.get_by_test_id("sign-form")
    expect(sign.get_by_label("签订日期")).to_have_value(str(today))
    sign.get_by_role("button", name="已签订").click()
    expect(page.locator("[data-contract-status]").first).to_have_attribute("data-contract-status", "signed")
    page.get_by_role("link", name=customer.name).first.click()
    expect(page.locator(".page-title .badge").first).to_have_text("成交")
    page.get_by_role("tab", name="合同").click()
    expect(page.get_by_test_id("customer-contracts")).to_contain_text(contract.number)
    assert Customer.objects.get(pk=customer.pk).status == "won"


def test_the_customer_is_picked_by_a_fragment_of_its_name(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    customer = register(world.alice, "上海华锐食品有限公司")
    base = str(live_server)
    today = timezone.localdate()

    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/contracts/new/")
    page.locator(".ts-control input").first.fill("华锐")
    page.locator(".ts-dropdown .option", has_text=customer.name).click()
    page.get_by_label("标题").fill("冷库设备采购合同")
    page.get_by_label("合同金额").fill("128000")
    page.get_by_label("开始日期").fill(str(today))
    page.get_by_label("结束日期").fill(str(today + timedelta(days=200)))
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("[data-contract-status]").first).to_have_attribute("data-contract-status", "draft")
    assert Contract.objects.get().customer_id == customer.pk
