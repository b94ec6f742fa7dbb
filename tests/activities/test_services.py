from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.activities import services
from guanxi.activities.compliance import ComplianceRow, compliance_run, register_check
from guanxi.activities.models import Channel, FollowUp, Plan
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry, Notification
from guanxi.customers.models import Customer
from tests.activities.conftest import customer_of as register
from tests.conftest import World

NOON = timezone.make_aware(datetime(2026, 3, 10, 12, 0))


def test_a_follow_up_moves_the_customers_last_follow_up_time(sales: World) -> None:
    customer = register(sales.alice)
    followup = services.followup_create(
        actor=sales.alice, customer=customer, content="谈了价格", channel=Channel.VISIT, feedback="waiting_price_drop"
    )
    assert (followup.owner, followup.customer, followup.feedback) == (sales.alice, customer, "waiting_price_drop")
    customer.refresh_from_db()
    assert customer.last_followup_at == followup.occurred_at
    assert AuditEntry.objects.filter(object_id=str(followup.pk), action="create").exists()


def test_a_back_dated_follow_up_never_moves_the_last_follow_up_back(sales: World) -> None:
    customer = register(sales.alice)
    services.followup_create(actor=sales.alice, customer=customer, content="今天")
    services.followup_create(
        actor=sales.alice, customer=customer, content="上周", occurred_at=timezone.now() - timedelta(days=7)
    )
    customer.refresh_from_db()
    assert customer.last_followup_at is not None
    assert customer.last_followup_at > timezone.now() - timedelta(minutes=1)


def test_a_follow_up_is_refused_field_by_field(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(ValidationError) as refusal:
        services.followup_create(
            actor=sales.alice,
            customer=customer,
            content=" ",
            channel="pigeon",
            feedback="no-such-feedback",
            occurred_at=timezone.now() + timedelta(days=1),
        )
    assert set(refusal.value.message_dict) == {"content", "channel", "feedback", "occurred_at"}
    assert not FollowUp.objects.exists()


def test_a_check_in_records_the_position_and_refuses_an_impossible_one(sales: World) -> None:
    from decimal import Decimal

    customer = register(sales.alice)
    here = services.Location(Decimal("31.2304"), Decimal("121.4737"), 15, "上海市黄浦区")
    followup = services.followup_create(actor=sales.alice, customer=customer, content="拜访", location=here)
    assert followup.checked_in and followup.location_accuracy == 15
    with pytest.raises(ValidationError) as refusal:
        services.followup_create(
            actor=sales.alice, customer=customer, content="x", location=services.Location(Decimal(91), Decimal(0))
        )
    assert "latitude" in refusal.value.message_dict


def test_nobody_records_a_follow_up_on_a_customer_outside_their_scope(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        services.followup_create(actor=sales.charlie, customer=customer, content="x")
    with pytest.raises(DomainError):
        services.followup_create(actor=sales.alice, content="about nothing")


def test_a_follow_up_about_another_record_needs_no_customer(sales: World) -> None:
    """A lead's follow-ups have no customer: the related record is enough (a contact stands in for a lead);
    it must be visible to the actor like the customer."""
    related = register(sales.alice).contacts.get()
    followup = services.followup_create(actor=sales.alice, related=related, content="电话沟通")
    assert followup.customer is None and followup.related == related
    with pytest.raises(NotPermitted):
        services.followup_create(actor=sales.charlie, related=related, content="x")


def test_plans_keep_the_customers_next_follow_up_at_the_earliest_open_one(sales: World) -> None:
    customer = register(sales.alice)
    later = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON + timedelta(days=3), customer=customer)
    sooner = services.plan_create(actor=sales.alice, subject="报价", due_at=NOON + timedelta(days=1), customer=customer)
    customer.refresh_from_db()
    assert customer.next_followup_at == sooner.due_at
    services.plan_cancel(actor=sales.alice, plan=sooner, reason="客户出差")
    customer.refresh_from_db()
    assert customer.next_followup_at == later.due_at
    services.plan_complete(actor=sales.alice, plan=later)
    customer.refresh_from_db()
    assert customer.next_followup_at is None


def test_completing_a_plan_links_the_follow_up_and_happens_once(sales: World) -> None:
    customer = register(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    followup = services.followup_create(actor=sales.alice, customer=customer, content="已回访", plan=plan)
    plan.refresh_from_db()
    assert (plan.status, plan.followup) == (Plan.Status.DONE, followup)
    stale = Plan.objects.get(pk=plan.pk)
    stale.status = Plan.Status.OPEN  # a second tab still showing it open
    with pytest.raises(DomainError) as refusal:
        services.plan_complete(actor=sales.alice, plan=stale)
    assert refusal.value.code == "plan_closed"


def test_a_follow_up_on_another_customer_cannot_fulfil_a_plan(sales: World) -> None:
    one, other = register(sales.alice, "甲公司"), register(sales.alice, "乙公司")
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=one)
    followup = services.followup_create(actor=sales.alice, customer=other, content="x")
    with pytest.raises(DomainError):
        services.plan_complete(actor=sales.alice, plan=plan, followup=followup)


def test_overdue_is_derived_from_the_due_time(sales: World) -> None:
    customer = register(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    assert not plan.is_overdue(NOON - timedelta(minutes=1))
    assert plan.is_overdue(NOON + timedelta(minutes=1))


def test_a_salesperson_plans_only_for_themselves_and_a_manager_for_the_team(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(NotPermitted):
        services.plan_create(actor=sales.alice, subject="x", due_at=NOON, customer=customer, owner=sales.bob)
    plan = services.plan_create(actor=sales.bob, subject="拜访", due_at=NOON, customer=customer, owner=sales.alice)
    assert plan.owner == sales.alice
    assert Notification.objects.get(recipient=sales.alice).url == plan.get_absolute_url()
    with pytest.raises(NotPermitted):
        services.plan_cancel(actor=sales.charlie, plan=plan)


def test_the_next_contact_time_is_kept_and_becomes_the_next_plan_in_the_same_transaction(sales: World) -> None:
    customer = register(sales.alice)
    later = NOON + timedelta(days=3)
    followup = services.followup_create(
        actor=sales.alice, customer=customer, content="电话", occurred_at=NOON, next_step="送样", next_contact_at=later
    )
    plan = Plan.objects.get()
    assert followup.next_contact_at == later
    assert (plan.subject, plan.due_at, plan.owner, plan.origin) == ("送样", later, sales.alice, "next")
    customer.refresh_from_db()
    assert customer.next_followup_at == later
    kept_only = services.followup_create(
        actor=sales.alice, customer=customer, content="微信", occurred_at=NOON, next_contact_at=later,
        add_to_calendar=False,
    )  # fmt: skip
    assert kept_only.next_contact_at == later and Plan.objects.count() == 1


def test_a_next_contact_before_the_follow_up_is_refused_and_nothing_is_saved(sales: World) -> None:
    customer = register(sales.alice)
    with pytest.raises(ValidationError) as refused:
        services.followup_create(
            actor=sales.alice, customer=customer, content="电话", occurred_at=NOON, next_contact_at=NOON
        )
    assert "next_contact_at" in refused.value.message_dict
    assert not FollowUp.objects.exists() and not Plan.objects.exists()


def test_the_next_plan_is_for_the_actor_or_a_colleague_they_manage(sales: World) -> None:
    customer = register(sales.alice)
    later = NOON + timedelta(days=1)
    with pytest.raises(NotPermitted) as refused:
        services.followup_create(
            actor=sales.alice, customer=customer, content="x", occurred_at=NOON, next_contact_at=later,
            next_owner=sales.charlie,
        )  # fmt: skip
    assert refused.value.field == "next_owner"
    assert not FollowUp.objects.exists() and not Plan.objects.exists()
    services.followup_create(
        actor=sales.bob, customer=customer, content="陪访", occurred_at=NOON, next_contact_at=later,
        next_owner=sales.alice,
    )  # fmt: skip
    assert Plan.objects.get().owner == sales.alice
    with pytest.raises(NotPermitted) as refused:
        services.plan_create(actor=sales.alice, subject="x", due_at=NOON, customer=customer, owner=sales.charlie)
    assert refused.value.field == "owner"


def test_an_explicit_next_contact_is_the_plan_that_completing_the_last_one_asks_for(sales: World) -> None:
    customer = register(sales.alice)
    last = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    later = NOON + timedelta(days=7)
    services.followup_create(actor=sales.alice, plan=last, content="回访完成", occurred_at=NOON, next_contact_at=later)
    last.refresh_from_db()
    assert last.status == "done"
    assert [(plan.due_at, plan.origin) for plan in Plan.objects.filter(status="open")] == [(later, "next")]


def test_a_follow_up_is_about_a_record_of_its_own_customer_only(sales: World) -> None:
    from tests.sales.conftest import open_opportunity

    customer = register(sales.alice)
    elsewhere = open_opportunity(sales.alice, register(sales.alice, "杭州另一家有限公司"))
    with pytest.raises(DomainError) as refused:
        services.followup_create(actor=sales.alice, customer=customer, related=elsewhere, content="x")
    assert refused.value.field == "related" and not FollowUp.objects.exists()


def test_rescheduling_moves_the_plan_and_refuses_a_stale_version(sales: World) -> None:
    customer = register(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    services.plan_reschedule(actor=sales.alice, plan=plan, due_at=NOON + timedelta(days=2), version=1)
    customer.refresh_from_db()
    assert customer.next_followup_at == NOON + timedelta(days=2)
    with pytest.raises(DomainError) as refusal:
        services.plan_reschedule(actor=sales.alice, plan=Plan.objects.get(pk=plan.pk), due_at=NOON, version=1)
    assert refusal.value.code == "stale_version"


def test_plan_ensure_open_creates_the_48_hour_plan_once(sales: World) -> None:
    customer = register(sales.alice)
    related = customer.contacts.get()  # stands in for an opportunity
    with time_machine.travel(NOON, tick=False):
        first = services.plan_ensure_open(actor=sales.alice, customer=customer, related=related)
        again = services.plan_ensure_open(actor=sales.alice, customer=customer, related=related)
    assert first == again
    assert (first.due_at, first.origin, first.related) == (NOON + timedelta(hours=48), "mandatory", related)
    assert Plan.objects.count() == 1


def test_a_manager_comment_notifies_the_salesperson(sales: World) -> None:
    customer = register(sales.alice)
    followup = services.followup_create(actor=sales.alice, customer=customer, content="x")
    with pytest.raises(NotPermitted):
        services.followup_comment_add(actor=sales.alice, followup=followup, text="自评")
    services.followup_comment_add(actor=sales.bob, followup=followup, text="明天带报价单再去")
    note = Notification.objects.get(recipient=sales.alice)
    assert (note.kind, note.url) == ("comment", followup.get_absolute_url())


def test_registered_checks_appear_in_the_compliance_report(sales: World) -> None:
    customer = register(sales.alice)

    def rows(*, actor: object, day: object) -> list[ComplianceRow]:
        return [ComplianceRow(label="商机 X", owner=sales.alice)]

    register_check("test_check", "Test check", rows, order=99)
    results = {result.check.code: result for result in compliance_run(actor=sales.bob, day=NOON.date())}
    assert [row.label for row in results["test_check"].rows] == ["商机 X"]
    assert [row.label for row in results["customers_without_plan"].rows] == [customer.name]
    services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    results = {r.check.code: r for r in compliance_run(actor=sales.bob, day=NOON.date() + timedelta(days=1))}
    assert results["customers_without_plan"].rows == []
    assert [row.label for row in results["plans_not_done"].rows] == [f"{customer.name} · 回访"]
    assert compliance_run(actor=sales.charlie, day=NOON.date() + timedelta(days=1))[0].rows == []
    assert Customer.objects.count() == 1


def test_a_customer_merge_moves_follow_ups_and_plans_to_the_one_kept(sales: World) -> None:
    from guanxi.customers.merge import customer_merge
    from tests.conftest import grant, make_user

    head = grant(make_user("hana", "韩娜", sales.head_office), "unit_head")
    keep, other = register(sales.alice, "甲公司"), register(sales.charlie, "乙公司")
    services.followup_create(actor=sales.alice, customer=keep, content="旧", occurred_at=NOON - timedelta(days=9))
    newer = services.followup_create(actor=sales.charlie, customer=other, content="新")
    plan = services.plan_create(actor=sales.charlie, subject="回访", due_at=NOON, customer=other)
    customer_merge(actor=head, keep=keep, other=other, choices={})
    keep.refresh_from_db()
    assert FollowUp.objects.filter(customer=keep).count() == 2
    assert keep.last_followup_at == newer.occurred_at
    plan.refresh_from_db()
    assert plan.customer == keep and keep.next_followup_at == NOON


def test_open_plans_follow_a_customer_to_its_new_owner_or_close_when_it_returns_to_the_pool(sales: World) -> None:
    customer = register(sales.alice)
    open_plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    done = services.plan_create(actor=sales.alice, subject="已做", due_at=NOON, customer=customer)
    services.plan_complete(actor=sales.alice, plan=done)
    assert services.customer_plans_reassign(customer=customer, owner=sales.bob, actor=sales.bob) == 1
    open_plan.refresh_from_db()
    done.refresh_from_db()
    assert (open_plan.owner, done.owner) == (sales.bob, sales.alice)
    assert services.customer_plans_close(customer=customer, reason="退回公海") == 1
    open_plan.refresh_from_db()
    customer.refresh_from_db()
    assert (open_plan.status, open_plan.cancel_reason, customer.next_followup_at) == ("cancelled", "退回公海", None)


def test_a_transfer_gives_the_open_plans_to_the_new_owner(sales: World) -> None:
    from guanxi.customers.services import customer_transfer

    customer = register(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    customer_transfer(actor=sales.bob, customer=customer, owner=sales.bob)
    plan.refresh_from_db()
    assert plan.owner == sales.bob


def test_the_check_sheets_daily_counts_per_salesperson(sales: World) -> None:
    from guanxi.activities.selectors import daily_counts

    customer = register(sales.alice)
    with time_machine.travel(NOON, tick=False):
        services.followup_create(actor=sales.alice, customer=customer, content="x")
        done = services.plan_create(actor=sales.alice, subject="做了", due_at=NOON, customer=customer)
        services.plan_complete(actor=sales.alice, plan=done)
        services.plan_create(actor=sales.alice, subject="没做", due_at=NOON + timedelta(hours=2), customer=customer)
        services.plan_create(actor=sales.alice, subject="明天", due_at=NOON + timedelta(days=1), customer=customer)
        rows = {row["person"]: row for row in daily_counts(actor=sales.bob, day=NOON.date())}
    assert (rows[sales.alice]["followups"], rows[sales.alice]["done"], rows[sales.alice]["open"]) == (1, 1, 1)
    assert sales.charlie not in rows  # another department
