"""The pages: the 360 tab, recording a follow-up (files, check-in, the next plan), plans, agenda, calendar,
feed, check sheet, templates — each tried by the outsider too."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guanxi.activities import services
from guanxi.activities.models import FollowUp, FollowUpAttachment, Plan, PlanTemplate
from guanxi.core.models import Notification
from tests.activities.conftest import customer_of
from tests.conftest import World, client_for, grant

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
NOON = timezone.make_aware(datetime(2026, 3, 10, 12, 0))


def test_the_customer_page_has_a_follow_ups_tab_loaded_on_its_own(sales: World) -> None:
    customer = customer_of(sales.alice)
    page = client_for(sales.alice).get(f"{customer.get_absolute_url()}?tab=followups")
    assert reverse("activities:customer_followups", args=[customer.pk]) in page.text


def test_the_timeline_is_newest_first_and_paginated_with_fixed_queries(
    sales: World, django_assert_max_num_queries: object
) -> None:
    customer = customer_of(sales.alice)
    client = client_for(sales.alice)
    url = reverse("activities:customer_followups", args=[customer.pk])
    services.followup_create(actor=sales.alice, customer=customer, content="第0次", occurred_at=NOON)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for day in range(1, 25):
        followup = services.followup_create(
            actor=sales.alice, customer=customer, content=f"第{day}次", occurred_at=NOON - timedelta(days=day)
        )
        services.followup_comment_add(actor=sales.bob, followup=followup, text="好")
    with django_assert_max_num_queries(len(one.captured_queries)):  # type: ignore[operator]
        first = client.get(url)  # a full page of records with comments costs no more queries than one
    assert first.text.index("第0次") < first.text.index("第1次")
    assert "第19次" in first.text and "第20次" not in first.text
    assert "第24次" in client.get(url + "?page=2").text
    assert client_for(sales.charlie).get(url).status_code == 404


def test_recording_a_follow_up_with_a_photo_and_check_in(sales: World) -> None:
    customer = customer_of(sales.alice)
    response = client_for(sales.alice).post(
        reverse("activities:followup_create"),
        {
            "customer": customer.pk,
            "channel": "visit",
            "occurred_at": "2026-03-10T10:00",
            "content": "上门拜访, 看了样车",
            "feedback": "waiting_price_drop",
            "latitude": "31.230400",
            "longitude": "121.473700",
            "accuracy": "20",
            "location_address": "上海市黄浦区",
            "attachments": [SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert (followup.channel, followup.checked_in, followup.location_address) == ("visit", True, "上海市黄浦区")
    attachment = followup.attachments.get()
    assert (attachment.name, attachment.content_type, attachment.size) == ("photo.png", "image/png", len(PNG))
    download = client_for(sales.alice).get(reverse("activities:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    assert client_for(sales.charlie).get(reverse("activities:attachment", args=[attachment.pk])).status_code == 404
    assert client_for(sales.bob).get(reverse("activities:attachment", args=[attachment.pk])).status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.png", b"GIF89a....", "does not match"),
        ("big.pdf", b"%PDF-" + b"0" * 2048, "larger than"),
    ],
)
def test_attachments_of_the_wrong_type_or_size_are_refused_on_the_field(
    sales: World, settings: object, name: str, content: bytes, message: str
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024  # type: ignore[attr-defined]
    customer = customer_of(sales.alice)
    response = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("activities:followup_create"),
        {
            "customer": customer.pk,
            "channel": "phone",
            "occurred_at": "2026-03-10T10:00",
            "content": "x",
            "attachments": [SimpleUploadedFile(name, content)],
        },
    )
    assert response.status_code == 200
    assert message in response.text and 'id="id_attachments_errors"' in response.text
    assert not FollowUp.objects.exists() and not FollowUpAttachment.objects.exists()


def test_recording_from_the_last_plan_completes_it_and_plans_the_next(sales: World) -> None:
    customer = customer_of(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    client = client_for(sales.alice)
    form = client.get(f"{reverse('activities:followup_create')}?plan={plan.pk}")
    assert 'data-testid="next-plan"' in form.text
    response = client.post(
        reverse("activities:followup_create"),
        {
            "plan": plan.pk,
            "channel": "phone",
            "occurred_at": "2026-03-10T10:00",
            "content": "电话回访",
            "next_step": "带报价上门",
            "next_contact_at": "2026-03-17T10:00",
            "add_to_calendar": "on",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "done" and plan.followup is not None and plan.followup.content == "电话回访"
    following = Plan.objects.get(status="open")
    assert (following.subject, following.origin) == ("带报价上门", "next")


def test_a_follow_up_from_the_customer_may_be_about_its_open_opportunity(sales: World) -> None:
    from tests.sales.conftest import open_opportunity

    customer = customer_of(sales.alice)
    opportunity = open_opportunity(sales.alice, customer, name="三台样车")
    client = client_for(sales.alice)
    form = client.get(f"{reverse('activities:followup_create')}?customer={customer.pk}")
    assert 'name="related"' in form.text and "三台样车" in form.text
    response = client.post(
        reverse("activities:followup_create"),
        {
            "customer": customer.pk,
            "related": f"sales.opportunity:{opportunity.pk}",
            "channel": "phone",
            "occurred_at": "2026-03-10T10:00",
            "content": "谈了样车的配置",
        },
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert (followup.customer, followup.related) == (customer, opportunity)


def test_the_next_contact_time_plans_the_next_contact_or_shows_its_error_beside_it(sales: World) -> None:
    customer = customer_of(sales.alice)
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    data = {
        "customer": customer.pk,
        "channel": "phone",
        "occurred_at": "2026-03-10T10:00",
        "content": "客户要对比报价",
        "next_step": "发送对比报价",
        "next_contact_at": "2026-03-09T10:00",
        "add_to_calendar": "on",
    }
    refused = client.post(reverse("activities:followup_create"), data)
    assert refused.status_code == 200 and 'id="id_next_contact_at_errors"' in refused.text
    assert "must come after this follow-up" in refused.text
    assert not FollowUp.objects.exists() and not Plan.objects.exists()
    assert (
        client.post(reverse("activities:followup_create"), data | {"next_contact_at": "2026-03-12T09:00"}).status_code
        == 302
    )
    plan = Plan.objects.get()
    assert (plan.subject, plan.owner, timezone.localtime(plan.due_at).day) == ("发送对比报价", sales.alice, 12)


def test_only_a_manager_gets_the_assignee_picker_and_plans_for_a_subordinate(sales: World) -> None:
    customer = customer_of(sales.alice)
    url = f"{reverse('activities:followup_create')}?customer={customer.pk}"
    assert 'name="next_owner"' not in client_for(sales.alice).get(url).text
    assert 'name="next_owner"' in client_for(sales.bob).get(url).text
    response = client_for(sales.bob).post(
        reverse("activities:followup_create"),
        {
            "customer": customer.pk,
            "channel": "visit",
            "occurred_at": "2026-03-10T10:00",
            "content": "陪同拜访",
            "next_contact_at": "2026-03-11T10:00",
            "add_to_calendar": "on",
            "next_owner": sales.alice.pk,
        },
    )
    assert response.status_code == 302
    assert Plan.objects.get().owner == sales.alice


def test_completing_the_last_plan_without_a_record_asks_for_the_next(sales: World) -> None:
    customer = customer_of(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    response = client_for(sales.alice).post(reverse("activities:plan_complete", args=[plan.pk]))
    assert response.status_code == 302 and "next=1" in response["Location"]
    proposal = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en").get(response["Location"])
    assert "Plan the next follow-up" in proposal.text


def test_plans_are_added_rescheduled_and_cancelled_from_their_pages(sales: World) -> None:
    customer = customer_of(sales.alice)
    client = client_for(sales.alice)
    response = client.post(
        reverse("activities:plan_create"),
        {"customer": customer.pk, "subject": "拜访", "kind": "visit", "due_at": "2026-03-12T09:30"},
    )
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert client.get(plan.get_absolute_url()).status_code == 200
    client.post(reverse("activities:plan_reschedule", args=[plan.pk]), {"due_at": "2026-03-13T09:30", "version": 1})
    plan.refresh_from_db()
    assert timezone.localtime(plan.due_at).day == 13
    client.post(reverse("activities:plan_cancel", args=[plan.pk]), {"reason": "客户出差"})
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == ("cancelled", "客户出差")
    assert client_for(sales.charlie).get(plan.get_absolute_url()).status_code == 404
    assert client_for(sales.charlie).post(reverse("activities:plan_complete", args=[plan.pk])).status_code == 404


def test_a_plan_form_refuses_bad_input_on_the_field(sales: World) -> None:
    customer = customer_of(sales.alice)
    response = client_for(sales.alice).post(
        reverse("activities:plan_create"), {"customer": customer.pk, "subject": "", "kind": "call", "due_at": "x"}
    )
    assert response.status_code == 200
    assert 'id="id_subject_errors"' in response.text and 'id="id_due_at_errors"' in response.text


@time_machine.travel(NOON, tick=False)  # "today" must not end five minutes from now
def test_the_agenda_shows_mine_and_for_a_manager_the_team(sales: World) -> None:
    customer = customer_of(sales.alice, "甲公司")
    now = timezone.now()
    services.plan_create(actor=sales.alice, subject="今天回访", due_at=now + timedelta(minutes=5), customer=customer)
    services.plan_create(actor=sales.alice, subject="过期回访", due_at=now - timedelta(days=2), customer=customer)
    services.plan_create(actor=sales.alice, subject="下周回访", due_at=now + timedelta(days=7), customer=customer)
    mine = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en").get(reverse("activities:agenda"))
    assert "今天回访" in mine.text and "过期回访" in mine.text and "下周回访" not in mine.text
    assert "Record follow-up and complete" in mine.text and "My team" not in mine.text
    team = client_for(sales.bob).get(reverse("activities:agenda") + "?team=1")
    assert "今天回访" in team.text and sales.alice.display_name in team.text
    assert "今天回访" not in client_for(sales.charlie).get(reverse("activities:agenda") + "?team=1").text


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_the_calendar_shows_plans_by_day_week_and_month(sales: World, view: str) -> None:
    customer = customer_of(sales.alice, "甲公司")
    services.plan_create(actor=sales.alice, subject="拜访客户", due_at=NOON, customer=customer)
    page = client_for(sales.alice).get(reverse("activities:calendar") + f"?view={view}&date=2026-03-10")
    assert page.status_code == 200 and "拜访客户" in page.text
    other = client_for(sales.alice).get(reverse("activities:calendar") + f"?view={view}&date=2026-05-10")
    assert "拜访客户" not in other.text
    managers = client_for(sales.bob).get(
        reverse("activities:calendar") + f"?view={view}&date=2026-03-10&owner={sales.alice.pk}"
    )
    assert "拜访客户" in managers.text


def test_the_feed_page_issues_a_link_that_serves_the_calendar_and_revoking_ends_it(sales: World) -> None:
    customer = customer_of(sales.alice)
    services.plan_create(
        actor=sales.alice, subject="回访", due_at=timezone.now() + timedelta(days=1), customer=customer
    )
    client = client_for(sales.alice)
    page = client.post(reverse("activities:feed"), {"action": "issue"})
    url = page.context["url"]
    path = url[url.index("/api/") :]
    anonymous = client_for(sales.charlie).__class__()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    assert "回访" in feed.content.decode()
    client.post(reverse("activities:feed"), {"action": "revoke"})
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(reverse("api-calendar-feed")).status_code == 401


def test_a_manager_comments_and_the_salesperson_is_notified(sales: World) -> None:
    customer = customer_of(sales.alice)
    followup = services.followup_create(actor=sales.alice, customer=customer, content="报价")
    response = client_for(sales.bob).post(followup.get_absolute_url(), {"text": "明天再跟进"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=sales.alice, kind="comment").exists()
    assert client_for(sales.alice).post(followup.get_absolute_url(), {"text": "x"}).status_code == 403
    assert "明天再跟进" in client_for(sales.alice).get(followup.get_absolute_url()).text
    assert client_for(sales.charlie).get(followup.get_absolute_url()).status_code == 404


def test_the_check_sheet_lists_the_days_gaps(sales: World) -> None:
    customer = customer_of(sales.alice, "没有计划的客户")
    page = client_for(sales.bob, HTTP_ACCEPT_LANGUAGE="en").get(reverse("activities:compliance"))
    assert page.status_code == 200 and "没有计划的客户" in page.text and "Follow-ups recorded" in page.text
    assert client_for(sales.alice).get(reverse("activities:compliance")).status_code == 200
    assert customer.pk


def test_templates_are_listed_edited_by_administrators_and_applied_from_the_customer_page(sales: World) -> None:
    customer = customer_of(sales.alice)
    shipped = PlanTemplate.objects.get(code="post_purchase")
    assert "满意度调查提醒" in client_for(sales.alice).get(reverse("activities:templates")).text
    assert client_for(sales.alice).get(reverse("activities:template_create")).status_code == 403
    admin = client_for(sales.root)
    response = admin.post(
        reverse("activities:template_create"),
        {
            "name": "展厅邀约",
            "event": "manual",
            "active": "on",
            "steps-TOTAL_FORMS": "2",
            "steps-INITIAL_FORMS": "0",
            "steps-0-subject": "邀请到店",
            "steps-0-kind": "showroom",
            "steps-0-offset_days": "3",
            "steps-0-offset_hours": "0",
            "steps-1-subject": "",
            "steps-1-kind": "call",
            "steps-1-offset_days": "0",
            "steps-1-offset_hours": "0",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    made = PlanTemplate.objects.get(name="展厅邀约")
    assert list(made.steps.values_list("subject", flat=True)) == ["邀请到店"]
    client_for(sales.alice).post(reverse("activities:template_apply", args=[customer.pk]), {"template": shipped.pk})
    assert Plan.objects.filter(customer=customer, origin="template").count() == 4


def test_the_overdue_for_level_list_and_reminder_settings(sales: World) -> None:
    customer_of(sales.alice, "热客户", level="H")
    page = client_for(sales.bob).get(reverse("activities:overdue_for_level"))
    assert page.status_code == 200
    response = client_for(sales.alice).post(
        reverse("activities:reminders"), {"digest_enabled": "on", "digest_time": "07:45"}
    )
    assert response.status_code == 302
    chosen = sales.alice.reminder_settings.digest_time
    assert chosen is not None and chosen.strftime("%H:%M") == "07:45"


def test_follow_ups_and_plans_of_another_record_and_its_tab(sales: World) -> None:
    """Other modules' records (an opportunity, a lead) get the same pages through ``?related=app.model:pk``;
    a contact stands in for such a record here (it has a customer, as an opportunity does)."""
    customer = customer_of(sales.alice)
    contact = customer.contacts.get()
    reference = f"customers.contact:{contact.pk}"
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert "Record follow-up" in client.get(f"{reverse('activities:followup_create')}?related={reference}").text
    response = client.post(
        reverse("activities:followup_create"),
        {"related": reference, "channel": "phone", "occurred_at": "2026-03-10T10:00", "content": "谈了合同"},
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert (followup.related, followup.customer) == (contact, customer)  # about the record and its customer
    client.post(
        reverse("activities:plan_create"),
        {"related": reference, "subject": "发合同", "kind": "email", "due_at": "2026-03-12T09:30"},
    )
    plan = Plan.objects.get()
    assert (plan.related, plan.customer) == (contact, customer)
    tab = client.get(reverse("activities:related_followups", args=[reference]))
    assert "谈了合同" in tab.text and "发合同" in tab.text
    assert client_for(sales.charlie).get(reverse("activities:related_followups", args=[reference])).status_code == 404
    for bad in ("nonsense", "auth.permission:1", "customers.contact:999999"):
        assert client.get(reverse("activities:related_followups", args=[bad])).status_code == 404
    completed = client.post(reverse("activities:plan_complete", args=[plan.pk]))
    assert f"related={reference}" in completed["Location"] and "next=1" in completed["Location"]


def test_a_group_wide_template_is_changed_only_by_a_superuser_whichever_way_in(sales: World) -> None:
    from guanxi.activities import plan_templates
    from guanxi.core.errors import NotPermitted

    group_wide = PlanTemplate.objects.create(name="集团回访", business_unit=None)
    admin = grant(sales.bob, "unit_admin")
    with pytest.raises(NotPermitted):
        plan_templates.plan_template_delete(actor=admin, template=group_wide)
    assert client_for(admin).get(reverse("activities:template_edit", args=[group_wide.pk])).status_code == 403
    plan_templates.plan_template_delete(actor=sales.root, template=group_wide)
    assert not PlanTemplate.objects.filter(pk=group_wide.pk).exists()


def test_the_plan_page_offers_recording_only_to_who_may_record(sales: World) -> None:
    """A reader who sees the plan without ``activities.create`` (a finance officer, say) gets no button that
    would answer 403."""
    from guanxi.org.models import Role

    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer_of(sales.alice))
    record = f"{reverse('activities:followup_create')}?plan={plan.pk}"
    assert record in client_for(sales.alice).get(plan.get_absolute_url()).text
    viewer = Role.objects.create(code="plan_viewer", name="只读", permissions=["activities.view"], data_scope="unit")
    sales.bob.roles.set([viewer])
    page = client_for(sales.bob).get(plan.get_absolute_url())
    assert page.status_code == 200 and record not in page.text
