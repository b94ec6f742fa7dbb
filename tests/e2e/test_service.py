import re

import pytest
from playwright.sync_api import Page, expect

from guanxi.service.models import Ticket
from tests.e2e.test_shell import sign_in
from tests.service.conftest import Desk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_complaint_goes_round_twice_before_the_customer_is_satisfied_and_it_is_archived(
    live_server: object, page: Page
) -> None:
    desk = Desk()
    base = str(live_server)

    # The service manager registers the customer's complaint and gives it to Sam
    sign_in(page, base, "mei")
    page.goto(f"{base}/service/tickets/new/?customer={desk.customer.pk}")
    page.locator("#id_type").select_option("complaint")
    page.locator("#id_channel").select_option("phone_in")
    page.locator("#id_priority").select_option("important")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_subject_errors")).to_be_visible()  # the subject is missing: said on its field
    page.locator("#id_subject").fill("送货延误三天，客户要求赔偿")
    page.get_by_role("button", name="保存").click()
    ticket = Ticket.objects.get()
    expect(page).to_have_url(re.compile(f"/service/tickets/{ticket.pk}/"))
    expect(page.get_by_test_id("ticket-status")).to_have_text("新建")
    page.goto(f"{base}/customers/{desk.customer.pk}/")
    expect(page.get_by_test_id("customer-warning")).to_contain_text("1 个未结投诉")
    page.goto(f"{base}/service/tickets/{ticket.pk}/")
    page.locator("#id_assignee").select_option(str(desk.sam.pk))
    page.get_by_test_id("assign").click()
    expect(page.get_by_test_id("assignee")).to_have_text(desk.sam.display_name)

    # Sam handles it; the customer is not satisfied (2) and it comes back for a second round
    page.context.clear_cookies()
    sign_in(page, base, "sam")
    page.goto(f"{base}/service/?queue=mine")
    page.get_by_role("link", name=ticket.number).click()
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("处理中")
    page.locator("#id_resolution").fill("已联系物流加急，补发货物")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已解决")
    page.get_by_text("2 · 不满意", exact=True).click()
    page.locator("#id_comment").fill("赔偿没有落实")
    page.get_by_test_id("record-feedback").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已分配")
    expect(page.get_by_test_id("round")).to_have_text("2")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.round, ticket.satisfaction) == ("assigned", 2, 2)

    # The second round: handled again, rated 4, archived
    page.get_by_test_id("start").click()
    page.locator("#id_resolution").fill("按合同赔付运费，客户确认收到")
    page.get_by_test_id("resolve").click()
    page.get_by_text("4 · 满意", exact=True).click()
    page.get_by_test_id("record-feedback").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已归档")
    expect(page.get_by_test_id("timeline")).to_contain_text("退回重新处理")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.round, ticket.satisfaction) == ("archived", 2, 4)
    assert list(ticket.steps.values_list("kind", flat=True)) == [
        "created", "assigned", "started", "resolved", "feedback", "reopened", "started", "resolved", "feedback",
        "archived",
    ]  # fmt: skip
