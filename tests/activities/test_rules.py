"""Levels and cadence, plan templates (the satisfaction window), reminders and the calendar feed."""

from datetime import date, datetime, timedelta
from io import StringIO

import icalendar
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from guanxi.activities import services
from guanxi.activities.cadence import customer_level_changed
from guanxi.activities.feeds import feed_ics, feed_token_issue, feed_token_revoke, feed_user
from guanxi.activities.models import Plan, PlanTemplate, ReminderSettings
from guanxi.activities.plan_templates import plan_templates_apply, satisfaction_window
from guanxi.activities.reminders import plans_overdue_sweep, reminders_sweep
from guanxi.activities.selectors import customers_overdue_for_level, is_overdue_for_level
from guanxi.core.config.parameters import parameters_set
from guanxi.core.models import Notification
from guanxi.customers import services as customer_services
from tests.activities.conftest import customer_of
from tests.conftest import World

NOON = timezone.make_aware(datetime(2026, 3, 10, 12, 0))


def aware(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute))


# --- levels and cadence --------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "days"), [("O", 7), ("H", 2), ("A", 7), ("B", 14), ("C", 21), ("N", 30)])
def test_each_level_plans_the_next_follow_up_within_its_interval(sales: World, level: str, days: int) -> None:
    customer = customer_of(sales.alice)
    with time_machine.travel(NOON, tick=False):
        customer = customer_services.customer_update(
            actor=sales.alice, customer=customer, version=customer.version, data={"level": level}
        )
    plan = Plan.objects.get(customer=customer)
    assert (plan.due_at, plan.origin, plan.owner) == (NOON + timedelta(days=days), "cadence", sales.alice)
    assert not is_overdue_for_level(customer, at=NOON + timedelta(days=days) - timedelta(minutes=1))


def test_raising_the_level_brings_the_next_plan_forward_and_never_pushes_it_back(sales: World) -> None:
    customer = customer_of(sales.alice)
    far = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON + timedelta(days=20), customer=customer)
    customer.level = "H"
    moved = customer_level_changed(actor=sales.alice, customer=customer, at=NOON)
    assert moved == far
    far.refresh_from_db()
    customer.refresh_from_db()
    assert far.due_at == NOON + timedelta(days=2) == customer.next_followup_at
    customer.level = "N"
    customer_level_changed(actor=sales.alice, customer=customer, at=NOON)
    far.refresh_from_db()
    assert far.due_at == NOON + timedelta(days=2)


def test_a_units_own_interval_applies(sales: World) -> None:
    parameters_set(actor=sales.root, unit=sales.unit, values={"cadence.h_days": 1})
    customer = customer_of(sales.alice, level="")
    customer.level = "H"
    plan = customer_level_changed(actor=sales.alice, customer=customer, at=NOON)
    assert plan is not None and plan.due_at == NOON + timedelta(days=1)


def test_customers_overdue_for_their_level_are_listed(sales: World) -> None:
    with time_machine.travel(NOON - timedelta(days=30), tick=False):
        hot = customer_of(sales.alice, "热客户", level="H")
        cold = customer_of(sales.alice, "冷客户", level="N")
        services.followup_create(actor=sales.alice, customer=hot, content="x")
        services.followup_create(actor=sales.alice, customer=cold, content="x")
    with time_machine.travel(NOON - timedelta(days=1), tick=False):
        fresh = customer_of(sales.alice, "新客户", level="H")
    overdue = list(customers_overdue_for_level(actor=sales.bob, at=NOON))
    assert overdue == [hot]  # N allows 30 days (not exceeded yet); the new one was registered yesterday
    assert list(customers_overdue_for_level(actor=sales.charlie, at=NOON)) == []
    assert fresh not in overdue


# --- plan templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purchase", "first", "last"),
    [
        (date(2026, 3, 1), date(2026, 3, 20), date(2026, 3, 25)),
        (date(2026, 3, 15), date(2026, 3, 20), date(2026, 3, 25)),
        (date(2026, 3, 16), date(2026, 4, 5), date(2026, 4, 10)),
        (date(2026, 3, 31), date(2026, 4, 5), date(2026, 4, 10)),
        (date(2026, 1, 31), date(2026, 2, 5), date(2026, 2, 10)),
        (date(2026, 12, 10), date(2026, 12, 20), date(2026, 12, 25)),
        (date(2026, 12, 16), date(2027, 1, 5), date(2027, 1, 10)),
        (date(2026, 12, 31), date(2027, 1, 5), date(2027, 1, 10)),
    ],
)
def test_the_satisfaction_window(purchase: date, first: date, last: date) -> None:
    assert satisfaction_window(purchase) == (first, last)


def test_a_first_order_creates_the_four_post_purchase_plans(sales: World) -> None:
    customer = customer_of(sales.alice)
    bought = aware(2026, 12, 16, 15, 30)
    plans = plan_templates_apply(event="first_order", customer=customer, at=bought)
    assert [(p.subject[:5], timezone.localtime(p.starts_at), timezone.localtime(p.due_at)) for p in plans] == [
        ("48小时回", bought + timedelta(hours=48), bought + timedelta(hours=48)),
        ("一周回访:", bought + timedelta(days=7), bought + timedelta(days=7)),
        ("满意度调查", aware(2027, 1, 5, 9, 0), aware(2027, 1, 10, 18, 0)),
        ("一个月回访", bought + timedelta(days=30), bought + timedelta(days=30)),
    ]
    assert {(p.owner, p.origin) for p in plans} == {(sales.alice, "template")}
    customer.refresh_from_db()
    assert customer.next_followup_at == bought + timedelta(hours=48)
    # A windowed plan is overdue only after its window closed.
    satisfaction = plans[2]
    assert not satisfaction.is_overdue(aware(2027, 1, 8, 12, 0)) and satisfaction.is_overdue(aware(2027, 1, 11, 0, 0))


def test_the_memory_curve_follows_a_first_contact_when_switched_on(sales: World) -> None:
    PlanTemplate.objects.filter(code="memory_curve").update(active=True)
    customer = customer_of(sales.alice)
    with time_machine.travel(NOON, tick=False):
        services.followup_create(actor=sales.alice, customer=customer, content="初次接触")
        services.followup_create(actor=sales.alice, customer=customer, content="第二次")
    due = sorted(Plan.objects.filter(customer=customer).values_list("due_at", flat=True))
    assert due == [NOON + timedelta(days=d) for d in (1, 2, 4, 7, 15, 30)]
    # Stored as shipped, whoever's language made them; read in the reader's.
    first = Plan.objects.filter(customer=customer).order_by("due_at").first()
    assert first is not None and first.subject == "记忆曲线回访（第 1 天）"
    with translation.override("en"):
        assert first.shown_subject == "Memory-curve follow-up (day 1)"
    with translation.override("zh-hans"):
        assert str(first) == "记忆曲线回访（第 1 天）"


# --- reminders -----------------------------------------------------------------------------------------


def test_reminders_are_sent_once_each_and_again_after_a_reschedule(sales: World) -> None:
    customer = customer_of(sales.alice)
    plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    ReminderSettings.objects.create(user=sales.alice, digest_enabled=False)
    assert str(reminders_sweep(at=NOON - timedelta(hours=1))).startswith("0 due-soon")
    assert reminders_sweep(at=NOON - timedelta(minutes=20)).due_soon == 1
    assert reminders_sweep(at=NOON - timedelta(minutes=10)).due_soon == 0
    assert reminders_sweep(at=NOON + timedelta(minutes=5)).overdue == 1
    assert reminders_sweep(at=NOON + timedelta(minutes=10)).overdue == 0
    kinds = list(Notification.objects.filter(recipient=sales.alice).values_list("kind", flat=True).order_by("pk"))
    assert kinds == ["activities.plan_due", "activities.plan_overdue"]
    services.plan_reschedule(actor=sales.alice, plan=plan, due_at=NOON + timedelta(days=1))
    assert reminders_sweep(at=NOON + timedelta(days=1, minutes=-20)).due_soon == 1


def test_the_jobs_command_runs_the_sweep(sales: World) -> None:
    customer = customer_of(sales.alice)
    services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
    out = StringIO()
    call_command("jobs", "run", "reminders", "--at", "2026-03-10T12:01:00+08:00", stdout=out)
    assert out.getvalue().startswith("0 due-soon and 1 overdue")
    call_command("jobs", "run", "reminders", "--at", "2026-03-10T12:02:00+08:00", stdout=out)
    assert Notification.objects.filter(kind="activities.plan_overdue").count() == 1


def test_the_daily_digest_comes_once_at_the_chosen_time(sales: World) -> None:
    customer = customer_of(sales.alice)
    services.plan_create(actor=sales.alice, subject="回访", due_at=aware(2026, 3, 10, 15, 0), customer=customer)
    sales.alice.email = "alice@example.com"
    sales.alice.save(update_fields=["email"])
    ReminderSettings.objects.create(user=sales.alice, digest_time=datetime(2026, 1, 1, 7, 30).time())
    assert reminders_sweep(at=aware(2026, 3, 10, 7, 0)).digests == 0
    assert reminders_sweep(at=aware(2026, 3, 10, 7, 31)).digests == 1
    assert reminders_sweep(at=aware(2026, 3, 10, 9, 0)).digests == 0
    digest = Notification.objects.get(kind="activities.digest")  # by e-mail, as the kind's default
    assert digest.email_status in ("pending", "sent")
    assert "回访" in digest.body
    with translation.override("en"):  # read in each reader's language
        assert digest.shown_title == "Your plans today: 1 (0 overdue)"
    with translation.override("zh-hans"):
        assert digest.shown_title == "今日计划：1 个（逾期 0 个）"
    assert reminders_sweep(at=aware(2026, 3, 11, 7, 31)).digests == 1  # the plan is still open: overdue


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time (the "
    "write lock is taken at BEGIN), so there is no race; PostgreSQL proves it with two connections",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_reminder_twice() -> None:
    import threading

    from django.db import connections

    world = World()
    from tests.conftest import grant

    grant(world.alice, "salesperson")
    customer = customer_of(world.alice)
    for hour in range(40):
        services.plan_create(
            actor=world.alice, subject=f"回访 {hour}", due_at=NOON + timedelta(minutes=hour % 20), customer=customer
        )
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(plans_overdue_sweep(at=NOON + timedelta(minutes=25), batch=3))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 40
    listed = Notification.objects.filter(kind="activities.plan_overdue").values_list("body", "title")
    names = [line for body, title in listed for line in (body.splitlines() or [title.removeprefix("Overdue: ")])]
    assert len(names) == len(set(names)) == 40  # every plan reminded of, none twice


# --- the calendar feed ---------------------------------------------------------------------------------


def test_the_feed_parses_and_shows_the_users_open_and_done_plans(sales: World) -> None:
    customer = customer_of(sales.alice, "华信科技")
    with time_machine.travel(NOON - timedelta(days=1), tick=False):
        open_plan = services.plan_create(actor=sales.alice, subject="回访", due_at=NOON, customer=customer)
        done = services.plan_create(actor=sales.alice, subject="报价", due_at=NOON, customer=customer)
        cancelled = services.plan_create(actor=sales.alice, subject="取消的", due_at=NOON, customer=customer)
        services.plan_complete(actor=sales.alice, plan=done)
        services.plan_cancel(actor=sales.alice, plan=cancelled)
        services.plan_create(actor=sales.bob, subject="经理自己的", due_at=NOON, customer=customer)
    token = feed_token_issue(actor=sales.alice)
    user = feed_user(token)
    assert user == sales.alice
    parsed = icalendar.Calendar.from_ical(feed_ics(user=user, at=NOON))
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {f"plan-{open_plan.pk}@guanxi", f"plan-{done.pk}@guanxi"}
    assert str(events[f"plan-{open_plan.pk}@guanxi"]["summary"]) == "华信科技 · 回访"
    assert events[f"plan-{open_plan.pk}@guanxi"].decoded("dtstart") == NOON
    assert b"DTSTART:20260310T040000Z" in feed_ics(user=user, at=NOON)  # noon in Shanghai, in UTC
    assert feed_token_revoke(actor=sales.alice)
    assert feed_user(token) is None
    new = feed_token_issue(actor=sales.alice)
    assert feed_user(new) == sales.alice and feed_user(token) is None
