"""A channel partner's person on a phone (375 px): the channel manager invites them from the partner's Portal
tab, they open the link from the e-mail, choose a username and password, land in the partner portal, register
a lead and see it listed; the company's pages stay closed to them."""

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from guanxi.leads.models import Lead
from guanxi.portal.models import PartnerMember, Registration
from tests.conftest import World, grant
from tests.customers.test_partners import client, partner
from tests.e2e.test_phone import PHONE, fits_the_phone
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_an_invited_partner_signs_up_and_registers_a_lead_on_a_phone(
    live_server: object, page: Page, browser: Browser
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    dealer = partner(world.alice, "苏州恒泰工业设备有限公司")
    client(world.alice, "无锡锡山精工机械有限公司", partner=dealer)
    base = str(live_server)
    mail.outbox.clear()

    sign_in(page, base, "alice")
    page.goto(f"{base}/customers/{dealer.pk}/?tab=portal")
    page.get_by_label("姓名").fill("顾建国")
    page.get_by_label("电子邮箱").fill("gu@hengtai.example")
    page.get_by_test_id("invite").click()
    expect(page.get_by_test_id("portal-invitation")).to_contain_text("gu@hengtai.example")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/portal/invitation/\S+/", str(mail.outbox[0].body))
    assert link is not None
    path = link.group(0).split("/portal/", 1)[1]

    phone = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    phone.goto(f"{base}/portal/{path}")
    expect(phone.get_by_text("顾建国，欢迎您")).to_be_visible()
    fits_the_phone(phone)
    phone.get_by_label("用户名").fill("hengtai.gu")
    phone.get_by_label("密码", exact=True).fill("Hengtai-Portal-26")
    phone.get_by_label("再次输入密码").fill("Hengtai-Portal-26")
    phone.get_by_role("button", name="创建账号").click()
    expect(phone.get_by_role("heading", name="欢迎您，苏州恒泰工业设备有限公司")).to_be_visible()
    expect(phone.get_by_test_id("figure-customers")).to_have_text("1")
    fits_the_phone(phone)
    assert PartnerMember.objects.get(user__username="hengtai.gu").partner == dealer

    phone.get_by_test_id("register-lead").click()
    phone.get_by_label("联系人姓名").fill("陈志强")
    phone.get_by_label("企业", exact=True).fill("常州武进新材料科技有限公司")
    phone.get_by_label("手机").fill("13813562291")
    fits_the_phone(phone)
    phone.get_by_test_id("submit").click()
    row = phone.get_by_test_id("registration").first
    expect(row).to_contain_text("常州武进新材料科技有限公司")
    expect(row).to_contain_text("新建")
    fits_the_phone(phone)
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=SHOTS / "portal-registrations-375.png", full_page=True)
    lead = Lead.objects.get(mobile="13813562291")
    assert (lead.partner, lead.owner) == (dealer, world.alice)
    assert Registration.objects.get().lead == lead

    phone.goto(f"{base}/portal/leads/")
    expect(phone.get_by_test_id("lead")).to_contain_text("常州武进新材料科技有限公司")
    answer = phone.goto(f"{base}/customers/")
    assert answer is not None and answer.status == 404
    phone.goto(f"{base}/")
    expect(phone).to_have_url(f"{base}/portal/")
    phone.context.close()
