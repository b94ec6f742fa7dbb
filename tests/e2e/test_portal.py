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


def test_on_a_phone_a_partner_replies_on_a_ticket_and_the_channel_manager_deactivates_them(
    live_server: object, browser: Browser
) -> None:
    from guanxi.service import services as service
    from tests.portal.conftest import PORTAL_PASSWORD, member
    from tests.service.conftest import open_ticket

    world = World()
    grant(world.alice, "salesperson")
    dealer = partner(world.alice, "苏州恒泰工业设备有限公司")
    customer = client(world.alice, "无锡锡山精工机械有限公司", partner=dealer)
    gu = member(world.alice, dealer, "hengtai.gu", "顾建国", "gu@hengtai.example")
    ticket = open_ticket(world.root, customer, subject="数控车床主轴异响")
    service.ticket_reply(actor=world.root, ticket=ticket, text="工程师明天上午到现场检查主轴轴承。")
    service.ticket_reply(actor=world.root, ticket=ticket, text="内部：上次维修未收费", internal=True)
    base = str(live_server)

    phone = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    phone.goto(f"{base}/portal/login/")
    phone.get_by_label("用户名").fill("hengtai.gu")
    phone.get_by_label("密码").fill(PORTAL_PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto(f"{base}/portal/tickets/{ticket.pk}/")
    expect(phone.get_by_test_id("ticket-reply")).to_contain_text("工程师明天上午到现场检查主轴轴承。")
    expect(phone.get_by_text("内部：上次维修未收费")).to_have_count(0)
    phone.get_by_label("您的回复").fill("好的，明天上午车间有人接待，请到二号门。")
    phone.get_by_role("button", name="发送回复").click()
    expect(phone.get_by_test_id("ticket-reply").last).to_contain_text("请到二号门")
    fits_the_phone(phone)

    staff = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    sign_in(staff, base, "alice")
    staff.goto(f"{base}/customers/{dealer.pk}/?tab=portal")
    expect(staff.get_by_test_id("portal-member")).to_contain_text("顾建国")
    fits_the_phone(staff)
    staff.get_by_test_id("portal-member-deactivate").click()
    expect(staff.get_by_test_id("portal-member-status")).to_have_text("已停用")
    fits_the_phone(staff)
    gu.refresh_from_db()
    assert not gu.is_active
    phone.reload()
    expect(phone).to_have_url(re.compile(r"/portal/login/"))
    phone.context.close()
    staff.context.close()
