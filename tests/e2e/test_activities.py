import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guanxi.activities import services
from guanxi.activities.models import FollowUp, Plan
from tests.activities.conftest import customer_of
from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def later_today() -> datetime:
    """An hour from now, but still today in the company's time zone (the agenda shows today's plans): in the
    last hour of the day, a minute before midnight (then overdue, which the agenda shows as well)."""
    now = timezone.localtime()
    midnight = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    return min(now + timedelta(hours=1), midnight - timedelta(minutes=1))


def test_a_salesperson_records_a_follow_up_from_the_agenda_and_a_manager_comments(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    for person in (world.alice, world.bob):
        person.language = "en"  # the labels below are the English source texts
        person.save(update_fields=["language"])
    customer = customer_of(world.alice, "华信科技有限公司")
    plan = services.plan_create(actor=world.alice, subject="电话回访报价", due_at=later_today(), customer=customer)
    base = str(live_server)

    # Alice opens today's agenda and records the follow-up from the plan, with the customer's feedback.
    sign_in(page, base, "alice")
    page.goto(f"{base}/activities/agenda/")
    row = page.get_by_test_id(f"plan-{plan.pk}")
    expect(row).to_contain_text("电话回访报价")
    row.get_by_role("link", name="Record follow-up and complete").click()
    page.get_by_label("Content").fill("客户在等降价, 下周再联系")
    page.get_by_label("Customer feedback").select_option(label="Waiting for a price drop")
    # It is the customer's last open plan: the form proposes the next one.
    next_plan = page.get_by_test_id("next-plan")
    expect(next_plan).to_be_visible()
    expect(page.get_by_label("Next contact time")).not_to_have_value("")
    page.get_by_label("Next step").fill("带新报价上门")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/\?tab=followups"))
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("客户在等降价")
    expect(timeline).to_contain_text("Waiting for a price drop")
    expect(page.get_by_test_id(f"plan-{plan.pk}")).to_have_count(0)  # done: no longer among the open plans
    following = Plan.objects.get(status="open")
    expect(page.get_by_test_id(f"plan-{following.pk}")).to_contain_text("带新报价上门")
    plan.refresh_from_db()
    assert plan.status == "done" and plan.followup == FollowUp.objects.get()

    # Bob, her manager, comments on the record; Alice sees the notification and the comment.
    page.context.clear_cookies()
    sign_in(page, base, "bob")
    page.goto(f"{base}{FollowUp.objects.get().get_absolute_url()}")
    page.get_by_label("Manager comment").fill("下周带上竞品对比资料")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_text("Your comment was sent")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, "alice")
    expect(page.get_by_test_id("notification-count")).to_have_text("1")
    page.get_by_test_id("notification-bell").click()
    page.get_by_test_id("notification-menu").get_by_role("link", name=re.compile("commented on your follow-up")).click()
    expect(page.get_by_text("下周带上竞品对比资料")).to_be_visible()


def test_a_salesperson_records_a_visit_about_an_opportunity_and_sets_the_next_contact_time(
    live_server: object, page: Page
) -> None:
    from tests.sales.conftest import open_opportunity

    world = World()
    grant(world.alice, "salesperson")
    customer = customer_of(world.alice, "华信科技有限公司")
    opportunity = open_opportunity(world.alice, customer, name="三台样车")
    base = str(live_server)

    # In the Chinese UI Alice records a visit from the customer's page, about its open opportunity.
    sign_in(page, base, "alice")
    page.goto(f"{base}/activities/followups/new/?customer={customer.pk}")
    page.get_by_label("关联商机").select_option(label="三台样车")
    page.get_by_label("内容").fill("客户想先看配置单")
    page.get_by_label("下一步").fill("发送配置单")
    page.get_by_label("下次联系时间").fill("2020-01-01T10:00")
    expect(page.get_by_label("添加到日程（生成跟进计划）")).to_be_checked()
    page.get_by_role("button", name="保存").click()

    # A next contact before the visit is refused beside its field; nothing is saved.
    expect(page.locator("#id_next_contact_at_errors")).to_contain_text("下次联系时间必须晚于本次跟进时间")
    assert not FollowUp.objects.exists()
    next_time = timezone.localtime() + timedelta(days=3)
    page.get_by_label("下次联系时间").fill(next_time.strftime("%Y-%m-%dT10:00"))
    page.get_by_role("button", name="保存").click()

    # The record is on the timeline and the next contact is an open plan on the customer.
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/\?tab=followups"))
    expect(page.get_by_test_id("timeline")).to_contain_text("客户想先看配置单")
    plan = Plan.objects.get(status="open", origin="next")
    expect(page.get_by_test_id(f"plan-{plan.pk}")).to_contain_text("发送配置单")
    followup = FollowUp.objects.get()
    assert followup.related == opportunity and followup.next_contact_at == plan.due_at
    assert timezone.localtime(plan.due_at).hour == 10 and plan.owner == world.alice
