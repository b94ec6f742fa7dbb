from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guanxi.customers.models import Customer, Lifecycle
from guanxi.retention import services
from guanxi.retention.models import ChurnAlert
from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in
from tests.retention.conftest import won

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_retains_a_drifting_customer_then_confirms_the_churn_with_a_reason(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    customer = won(world.alice, "华信精密机械有限公司", ordered=timezone.localdate() - timedelta(days=240))
    services.churn_scan(timezone.now())
    alert = ChurnAlert.objects.get()
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/retention/")
    page.get_by_role("link", name=customer.name).click()
    expect(page.get_by_test_id("alert-reasons")).to_contain_text("天未下单")
    page.get_by_role("button", name="开始挽留").click()
    expect(page.get_by_text("请填写挽留措施。")).to_be_visible()  # the refusal, on its field
    page.get_by_label("挽留措施").fill("经理带队上门拜访，提供以旧换新方案")
    page.get_by_label("计划截止时间").fill((timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT10:00"))
    page.get_by_role("button", name="开始挽留").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("暂缓流失")
    page.get_by_role("button", name="确认流失").click()
    expect(page.get_by_text("请选择流失原因。")).to_be_visible()
    alert.refresh_from_db()
    assert alert.status == "retaining"
    page.get_by_label("流失原因").select_option("competitor")
    page.get_by_role("button", name="确认流失").click()
    expect(page.get_by_test_id("lost-on")).to_be_visible()
    assert Customer.objects.get(pk=customer.pk).status == Lifecycle.CHURNED
