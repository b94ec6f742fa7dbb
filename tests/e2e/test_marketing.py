"""A sales manager builds a campaign's audience from a filter of the customer list, launches it, writes an
e-mail template and previews it with a real customer, sends, and reads the progress and each recipient's
delivery state (in the Chinese UI)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guanxi.marketing.campaigns.models import Campaign
from guanxi.marketing.messages import services as messages
from guanxi.marketing.messages.models import Delivery
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("GUANXI_SCREENSHOTS", "/tmp"))


def test_a_manager_builds_an_audience_previews_sends_and_sees_the_delivery_states(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    huaxin = register(
        world.alice,
        "上海华信科技有限公司",
        contact={"name": "张伟", "mobile": "13900000001", "email": "zhangwei@huaxin.cn"},
    )
    register(
        world.alice,
        "上海明达机械有限公司",
        contact={"name": "李娜", "mobile": "13900000002", "email": "lina@mingda.cn"},
    )
    register(
        world.alice, "苏州恒力机械有限公司", contact={"name": "王强", "mobile": "13900000003", "email": "wq@hengli.cn"}
    )
    messages.opt_out_record(unit_id=world.unit.pk, reason="request", channel="email", address="lina@mingda.cn")
    base = str(live_server)
    sign_in(page, base, "bob")

    # a campaign, aimed at the customers the customer list finds for "上海"
    page.goto(f"{base}/marketing/campaigns/new/")
    page.fill("#id_name", "秋季新品邮件推广")
    page.select_option("#id_kind", "mailing")
    page.fill("#id_starts_on", "2026-09-01")
    page.fill("#id_ends_on", "2026-09-15")
    page.fill("#id_budget", "5000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("计划中")
    form = page.get_by_test_id("source-form")
    form.locator("#id_source-kind").select_option("customers")
    form.locator("#id_source-query").fill(f"{base}/customers/?q=上海")
    form.locator("#id_source-label").fill("上海客户")
    form.get_by_role("button", name="加入目标人群").click()
    expect(page.get_by_test_id("audience-sources")).to_contain_text("上海客户")
    page.get_by_test_id("launch").click()
    expect(page.get_by_test_id("member-count")).to_have_text("2")
    expect(page.get_by_test_id("campaign-status")).to_have_text("进行中")

    # an e-mail template: an unknown variable is refused and named, then previewed with a real customer
    page.goto(f"{base}/marketing/templates/new/?channel=email")
    page.fill("#id_name", "秋季新品邮件")
    page.fill("#id_subject", "{{ customer.name }}：秋季新品")
    page.fill("#id_body", "<p>{{ contact.nmae }}您好</p>")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_body_errors")).to_contain_text("contact.nmae")
    page.fill(
        "#id_body", '<p>{{ contact.name }}您好，秋季新品已发布。</p><p><a href="{{ unsubscribe_url }}">退订</a></p>'
    )
    page.get_by_role("button", name="保存").click()
    page.select_option("#id_kind", "customer")
    page.fill("#id_record", str(huaxin.pk))
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_test_id("preview-subject")).to_have_text("上海华信科技有限公司：秋季新品")
    expect(page.get_by_test_id("preview-html")).to_contain_text("张伟您好")

    # send: the progress bar reaches the end; one recipient sent, the one who opted out left out
    campaign = Campaign.objects.get(name="秋季新品邮件推广")
    page.goto(f"{base}/marketing/campaigns/{campaign.pk}/")
    page.get_by_test_id("send-form").locator("select").select_option(label="秋季新品邮件")
    page.get_by_test_id("send").click()
    expect(page).to_have_url(re.compile(r"/marketing/messages/\d+/"))
    progress = page.get_by_test_id("send-progress")
    expect(progress.get_by_test_id("send-status")).to_have_text("已发送")
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    expect(progress.get_by_test_id("count-sent")).to_have_text("1")
    expect(page.get_by_test_id("send-skipped")).to_contain_text("已退订")
    expect(page.get_by_test_id("deliveries")).to_contain_text("zhangwei@huaxin.cn")
    expect(page.get_by_test_id("delivery-status")).to_have_text("已发送")
    assert list(Delivery.objects.values_list("person", "status")) == [("zhangwei@huaxin.cn", "sent")]


def test_a_salesperson_picks_members_by_name_on_a_phone(live_server: object, page: Page) -> None:
    from datetime import date

    from guanxi.leads import services as leads
    from guanxi.marketing.campaigns import services as campaigns

    world = World()
    grant(world.alice, "salesperson")
    huaxin = register(
        world.alice, "上海华信科技有限公司", contact={"name": "张伟", "mobile": "13900000001", "email": "zw@huaxin.cn"}
    )
    leads.lead_create(actor=world.alice, data={"name": "华信王经理", "mobile": "13900000002", "company": "华信物流"})
    messages.opt_out_record(unit_id=world.unit.pk, reason="do_not_contact", customer=huaxin)
    fair = campaigns.campaign_create(
        actor=world.alice,
        data={"name": "华东工博会", "kind": "exhibition", "starts_on": date(2026, 9, 1), "ends_on": date(2026, 9, 5)},
    )
    base = str(live_server)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, base, "alice")
    page.goto(f"{base}/marketing/campaigns/{fair.pk}/")
    page.get_by_label("按名称查找客户、联系人或线索").fill("华信")  # results as you type
    picks = page.get_by_test_id("member-picks")
    expect(picks).to_contain_text("华信王经理")
    expect(picks).to_contain_text("上海华信科技有限公司")
    picks.get_by_label(re.compile("华信王经理")).check()
    picks.get_by_label(re.compile("上海华信科技有限公司")).check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#member-picker").screenshot(path=SHOTS / "gx-marketing-member-picker-375.png")
    picks.get_by_role("button", name="添加所选").click()
    expect(page.get_by_text("新增 1 人，0 人已是成员，1 人已退订被跳过")).to_be_visible()  # do-not-contact: counted
    expect(page.get_by_test_id("member-count")).to_have_text("1")
    expect(page.get_by_test_id("campaign-members")).to_contain_text("华信王经理")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
