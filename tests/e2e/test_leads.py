import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from guanxi.core.models import ParameterValue
from guanxi.customers.models import Customer
from guanxi.leads import webforms
from guanxi.leads.models import AssignmentRule, Lead
from guanxi.sales.models import Opportunity
from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_sends_the_web_form_and_the_salesperson_converts_the_lead_into_a_customer_with_an_opportunity(
    live_server: object, page: Page
) -> None:
    cache.clear()
    world = World()
    grant(world.alice, "salesperson")
    grant(world.root, "unit_head")
    rule = AssignmentRule.objects.create(business_unit=world.unit, name="官网给爱丽", kind="user", user=world.alice)
    form = webforms.leadform_save(
        actor=world.root,
        form=None,
        data={"name": "官网", "title": "预约产品演示", "fields": ["name", "company", "mobile", "need"],
              "required": ["name", "mobile"], "source": "online", "rule": rule,
              "thank_you": "谢谢！顾问会尽快联系您。"},
    )  # fmt: skip
    # a person needs a few seconds to fill a form in; this browser does not, so the unit drops the minimum
    ParameterValue.objects.create(business_unit=world.unit, code="leads.webform_min_seconds", value=0)
    base = str(live_server)

    # A visitor on the company's website
    page.goto(f"{base}/leads/web/{form.key}/")
    page.locator("#id_name").fill("陈先生")
    page.locator("#id_company").fill("宁波港联物流有限公司")
    page.locator("#id_mobile").fill("1365555")
    page.locator("#id_need").fill("仓储管理系统，明年上线")
    page.get_by_role("button", name=re.compile("^(提交|Send)$")).click()
    expect(page.locator("#id_mobile_errors")).to_be_visible()  # not a real mobile: said on the field
    page.locator("#id_mobile").fill("13655556666")
    page.get_by_role("button", name=re.compile("^(提交|Send)$")).click()
    expect(page.get_by_test_id("thank-you")).to_contain_text("谢谢！顾问会尽快联系您。")
    lead = Lead.objects.get()
    assert (lead.owner, lead.channel) == (world.alice, "web_form")

    # The salesperson the rule chose converts it
    page.context.clear_cookies()
    sign_in(page, base, "alice")
    page.goto(f"{base}/leads/")
    page.get_by_role("link", name=re.compile("宁波港联物流有限公司")).click()
    expect(page).to_have_url(re.compile(f"/leads/{lead.pk}/"))
    page.get_by_test_id("convert").click()
    page.locator("#id_with_opportunity").check()
    page.locator("#id_opportunity_name").fill("仓储系统项目")
    page.locator("#id_opportunity_amount").fill("380000")
    page.locator("form.card button[type=submit]").click()

    customer = Customer.objects.get()
    expect(page).to_have_url(re.compile(f"/customers/{customer.pk}/"))
    expect(page.get_by_role("heading", name=re.compile("宁波港联物流有限公司"))).to_be_visible()
    opportunity = Opportunity.objects.get()
    assert (opportunity.customer, opportunity.name, opportunity.source_lead_id) == (customer, "仓储系统项目", lead.pk)
    assert Customer.objects.get().status == "opportunity"
    converted = Lead.objects.get()
    assert (converted.status, converted.customer) == ("converted", customer)

    # The lead stays as history, linked to its customer
    page.goto(f"{base}/leads/{lead.pk}/")
    expect(page.get_by_role("link", name=re.compile("宁波港联物流有限公司"))).to_be_visible()
