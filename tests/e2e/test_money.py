import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guanxi.finance import services
from guanxi.finance.models import PaymentPlan, Receipt, Receivable
from guanxi.workflows import services as approvals
from tests.conftest import World, grant, make_user
from tests.e2e.test_shell import sign_in
from tests.sales.contracting import signed
from tests.sales.quoting import customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_finance_approves_a_receipt_the_plan_turns_received_and_the_customers_balance_updates(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    grant(world.root)
    fay = grant(make_user("fay", "菲", world.head_office), "group_management")
    approvals.approval_flow_save(actor=world.root, unit=world.unit, record_type=services.RECEIPT_APPROVAL,
                                 steps=[{"kind": "user", "user": fay}])  # fmt: skip
    client = customer(world.alice, "华信精密机械有限公司")
    contract = signed(world.alice, world.bob, client, amount=Decimal("30000"))
    receivable = services.receivable_open(actor=world.alice, contract=contract)
    services.plan_create(actor=world.alice, receivable=receivable,
                         data={"due_on": timezone.localdate(), "amount": "10000"})  # fmt: skip
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}{receivable.get_absolute_url()}")
    page.get_by_test_id("new-receipt").click()
    page.get_by_label("金额").fill("10000.001")
    page.get_by_role("button", name="保存并提交").click()
    expect(page.get_by_text("最多保留两位小数。")).to_be_visible()  # the refusal, on its field
    assert not Receipt.objects.exists()
    page.get_by_label("金额").fill("10000")
    page.get_by_label("银行流水号").fill("CMB20261206001")
    page.get_by_role("button", name="保存并提交").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "pending")
    receipt = Receipt.objects.get()

    page.context.clear_cookies()
    sign_in(page, base, "fay")
    page.locator("a.nav-link", has_text="待我审批").click()
    page.get_by_role("link", name=re.compile(receipt.number)).click()
    if page.get_by_test_id("approve-receipt").count() == 0:  # the inbox opens the approval; go to the receipt
        page.goto(f"{base}{receipt.get_absolute_url()}")
    page.get_by_test_id("approve-receipt").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "approved")
    assert PaymentPlan.objects.get().status == "received"
    assert Receivable.objects.get().received == Decimal("10000")

    page.goto(f"{base}{receivable.get_absolute_url()}")
    expect(page.get_by_test_id("plan-1").locator("[data-status]")).to_have_attribute("data-status", "received")
    page.goto(f"{base}{client.get_absolute_url()}?tab=receivables")
    expect(page.get_by_test_id("balance-received")).to_contain_text("10,000.00")
    expect(page.get_by_test_id("balance-outstanding")).to_contain_text("20,000.00")
