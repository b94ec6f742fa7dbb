"""Lead pools and the viewing limit in a browser: a salesperson claims a lead from the lead pool and returns it
with a reason, a manager moves the rest to the failed-leads pool, and a salesperson past the day's viewing
limit is refused a pool customer's page while the pool page shows the count."""

import re

import pytest
from playwright.sync_api import Page, expect

from guanxi.leads import services
from guanxi.leads.models import Lead
from guanxi.leads.pools import services as pools
from tests.e2e.test_shell import sign_in
from tests.leads.conftest import Sales
from tests.pool.pool_helpers import in_pool, set_parameter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_lead_is_claimed_returned_and_the_rest_moved_and_the_viewing_limit_holds(
    live_server: object, page: Page
) -> None:
    world = Sales()
    common = pools.lead_pool_save(actor=world.root, pool=None, data={"name": "线索公海"})
    failed = pools.lead_pool_save(actor=world.root, pool=None, data={"name": "失败线索池", "is_failed": True})
    wanted = services.lead_create(
        actor=world.root,
        data={"name": "王小明", "company": "苏州远景电子有限公司", "mobile": "13912345678"},
        pool=common,
    )
    other = services.lead_create(
        actor=world.root, data={"name": "李四", "company": "无锡新材料有限公司", "mobile": "13987654321"}, pool=common
    )
    base = str(live_server)

    # Alice sees the pool masked, claims the lead and sees its number in full
    sign_in(page, base, "alice")
    page.goto(f"{base}/leads/pools/{common.pk}/")
    expect(page.get_by_test_id("lead-pool-table")).to_contain_text("139****5678")
    page.locator(f"tr[data-lead='{wanted.pk}'] [data-testid=claim]").click()
    expect(page).to_have_url(re.compile(f"/leads/{wanted.pk}/$"))
    expect(page.locator("body")).to_contain_text("13912345678")
    # she gives it back with a reason
    page.get_by_test_id("return").click()
    page.locator("#id_reason").fill("客户暂无预算")
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile("/leads/pools/$"))
    assert Lead.objects.get(pk=wanted.pk).owner_id is None

    # Bob moves every lead of the pool to the failed-leads pool
    page.context.clear_cookies()
    sign_in(page, base, "bob")
    page.goto(f"{base}/leads/pools/{common.pk}/")
    page.locator("#id_target").select_option(str(failed.pk))
    page.locator("input[name=all]").check()
    page.get_by_test_id("bulk-move").click()
    expect(page.locator("body")).to_contain_text("2")
    assert set(Lead.objects.filter(pool=failed).values_list("pk", flat=True)) == {wanted.pk, other.pk}

    # the viewing limit: one pool customer a day
    set_parameter(world, "pool.daily_views", 1)
    first, second = in_pool(world, "甲机械有限公司"), in_pool(world, "乙机械有限公司")
    page.context.clear_cookies()
    sign_in(page, base, "dora")
    page.goto(f"{base}/customers/{first.pk}/")
    expect(page.locator("h2.page-title")).to_contain_text("甲机械有限公司")
    page.goto(f"{base}/customers/pool/")
    expect(page.get_by_test_id("views-today")).to_contain_text("1 / 1")
    page.goto(f"{base}/customers/{second.pk}/")
    expect(page.get_by_test_id("refusal")).to_contain_text("今天已打开 1 个公海客户")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/leads/pools/")
    expect(page.locator("body")).to_contain_text("线索公海")
