"""The call centre: a call the PBX posts to the API pops up on the agent's open page within moments, with the
caller's customer, and the agent starts a ticket from it; a phone number on a page dials through the PBX."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from guanxi.calls import services
from guanxi.service.models import Ticket
from tests.calls.conftest import CallCentre
from tests.calls.fake_pbx import fake_pbx
from tests.conftest import PASSWORD
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def token(base: str, username: str) -> str:
    answer = httpx.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
    return str(answer.json()["token"])


def test_a_call_posted_by_the_pbx_pops_up_on_the_agents_open_page(live_server: object, page: Page) -> None:
    centre = CallCentre()
    base = str(live_server)
    sign_in(page, base, "sam")
    page.goto(f"{base}/calls/")
    expect(page.get_by_role("heading", name="通话记录")).to_be_visible()
    expect(page.get_by_test_id("call-pop-card")).to_have_count(0)

    pbx = httpx.Client(base_url=base, headers={"Authorization": f"Token {token(base, 'pbx')}"})
    event = {"call_id": "e2e-1", "event": "ringing", "number": "+86 138-1234-5678", "extension": "801"}
    assert pbx.post("/api/v1/calls/", json=event).status_code == 201

    card = page.get_by_test_id("call-pop-card")
    expect(card).to_be_visible(timeout=3_000)  # polled about once a second
    expect(card.get_by_test_id("call-pop-customer")).to_have_text("上海华信科技有限公司")
    expect(card).to_contain_text("张三")
    expect(card).to_contain_text("振铃")
    assert pbx.post("/api/v1/calls/", json={**event, "event": "answered"}).status_code == 201
    expect(card).to_contain_text("已接听")

    card.get_by_role("link", name="新建服务单").click()
    expect(page).to_have_url(re.compile(r"/calls/\d+/ticket/"))
    page.get_by_label("服务单类型").select_option("repair")  # 服务单类型
    page.get_by_label("主题").fill("设备异响")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/service/tickets/\d+/"))
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.channel) == (centre.customer, "phone_in")

    # the pop-up follows to every page, folded to its header once the agent acted on the call
    expect(page.get_by_test_id("call-pop-number")).to_be_visible(timeout=3_000)
    expect(page.locator("#call-pop-body")).to_be_hidden()
    page.get_by_role("button", name="展开或收起来电信息").click()
    expect(page.locator("#call-pop-body")).to_be_visible()
    page.get_by_test_id("call-pop-close").click()
    expect(page.get_by_test_id("call-pop-card")).to_have_count(0)


def test_a_phone_number_on_the_customer_page_dials_through_the_pbx(live_server: object, page: Page) -> None:
    centre = CallCentre()
    base = str(live_server)
    services.extension_set(actor=centre.ada, user=centre.alice, number="805")
    from guanxi.org.models import Role

    centre.alice.roles.add(Role.objects.get(code="service_agent"))
    with fake_pbx() as pbx:
        services.pbx_connection_save(actor=centre.ada, unit=centre.unit, dial_url=pbx.url)
        sign_in(page, base, "alice")
        page.goto(f"{base}{centre.customer.get_absolute_url()}")
        page.locator("a[href^='tel:']").first.click()
        expect(page.locator(".toast").filter(has_text="请在分机响铃时接听")).to_be_visible()
    assert [row["extension"] for row in pbx.requests] == ["805"]
