"""The churn rules at their boundaries (a controlled clock), one open alert whatever the runs and rules,
the alert's figures, the owner's and manager's notifications, and the handling: retain with a measure,
recovered by a new order, lost → churned → won again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from guanxi.activities.models import FollowUp, Plan
from guanxi.core.config.parameters import parameters_set
from guanxi.core.errors import Conflict, NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import AuditEntry, Notification, OutboxEvent
from guanxi.customers.models import Customer, Lifecycle
from guanxi.retention import services
from guanxi.retention.models import AlertStatus, ChurnAlert, Rule
from guanxi.retention.rules import months_before
from guanxi.service.models import Ticket, TicketStatus
from tests.conftest import World

from .conftest import moment, order_row, won


def _at(day):  # the sweep's clock, at noon of a day
    return moment(day, 12)


def test_no_order_fires_on_the_day_x_months_have_passed_and_not_the_day_before(shop: World) -> None:
    today = timezone.localdate()
    customer = won(shop.alice, ordered=months_before(today, 6) + timedelta(days=1))
    services.churn_scan(_at(today))
    assert not ChurnAlert.objects.exists()
    services.churn_scan(_at(today + timedelta(days=1)))
    alert = ChurnAlert.objects.get(customer=customer)
    assert [reason["rule"] for reason in alert.reasons] == [Rule.NO_ORDER]
    assert alert.reasons[0]["days"] >= 180


def test_no_follow_up_fires_after_f_days(shop: World) -> None:
    today = timezone.localdate()
    customer = won(shop.alice, followed=today - timedelta(days=59))
    services.churn_scan(_at(today))
    assert not ChurnAlert.objects.exists()
    services.churn_scan(_at(today + timedelta(days=1)))
    assert ChurnAlert.objects.get(customer=customer).reasons == [
        {"rule": "no_followup", "days": 60, "last": (today - timedelta(days=59)).isoformat()}
    ]


def test_the_amount_rule_compares_the_last_n_months_with_the_n_before(shop: World) -> None:
    today = timezone.localdate()
    falling = won(shop.alice)
    order_row(falling, today - timedelta(days=150), "10000")
    order_row(falling, today - timedelta(days=10), "4999")  # a fall of 50.01 %
    steady = won(shop.alice)
    order_row(steady, today - timedelta(days=150), "10000")
    order_row(steady, today - timedelta(days=10), "5000")  # exactly 50 %: not more than P
    services.churn_scan(_at(today))
    alert = ChurnAlert.objects.get()
    assert alert.customer_id == falling.pk
    assert alert.reasons == [
        {"rule": "amount_drop", "before": "10000.00", "recent": "4999.00", "percent": 50, "months": 3}
    ]


def test_a_complaint_open_longer_than_d_days_fires(shop: World) -> None:
    customer = won(shop.alice)
    ticket = Ticket.all_objects.create(
        number="GD1", business_unit=shop.unit, customer=customer, type="complaint", subject="质量问题",
        status=TicketStatus.NEW, created_at=timezone.now() - timedelta(days=14, hours=23),
    )  # fmt: skip
    services.churn_scan(timezone.now())
    assert not ChurnAlert.objects.exists()
    Ticket.all_objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(days=15, minutes=1))
    services.churn_scan(timezone.now())
    assert ChurnAlert.objects.get().reasons[0] == {"rule": "complaint_open", "count": 1, "days": 15}


def test_repeated_runs_and_several_rules_keep_one_open_alert_listing_every_rule(shop: World) -> None:
    today = timezone.localdate()
    customer = won(shop.alice, ordered=today - timedelta(days=300), followed=today - timedelta(days=100))
    for _run in range(3):
        run_job("churn_scan", at=_at(today))
    alert = ChurnAlert.objects.get()
    assert {reason["rule"] for reason in alert.reasons} == {"no_order", "no_followup"}
    assert alert.customer_id == customer.pk
    # the owner and the manager heard once, in their own language at reading time
    notes = Notification.objects.filter(kind="churn_alert")
    assert sorted(notes.values_list("recipient__username", flat=True)) == ["alice", "bob"]
    assert notes[0].texts["title"]["msgid"] == "Churn warning: {name}"
    from django.utils.translation import override

    from guanxi.core.texts import Text

    with override("zh-hans"):
        body = Text.from_json(notes[0].texts["body"]).render()
    assert "天未下单" in body and "天未跟进" in body
    assert AuditEntry.objects.filter(object_type="retention.churnalert", action="create").count() == 1


def test_a_rerun_the_same_day_writes_nothing_and_the_next_day_refreshes_the_figures(shop: World) -> None:
    today = timezone.localdate()
    won(shop.alice, ordered=today - timedelta(days=300))
    quiet = won(shop.alice, ordered=today - timedelta(days=250))
    assert services.churn_scan(_at(today)) == {"checked": 2, "raised": 2, "refreshed": 0}
    stamp = ChurnAlert.objects.get(customer=quiet).updated_at
    assert services.churn_scan(_at(today) + timedelta(hours=2)) == {"checked": 2, "raised": 0, "refreshed": 0}
    assert ChurnAlert.objects.get(customer=quiet).checked_at == _at(today)  # the figures are still those
    # a day later the days have grown: both alerts carry the new figures and the new check
    assert services.churn_scan(_at(today + timedelta(days=1))) == {"checked": 2, "raised": 0, "refreshed": 2}
    alert = ChurnAlert.objects.get(customer=quiet)
    assert alert.reasons[0] == {"rule": "no_order", "days": 251, "last": (today - timedelta(days=250)).isoformat()}
    assert alert.checked_at == _at(today + timedelta(days=1)) and alert.updated_at == stamp
    assert ChurnAlert.objects.count() == 2


def test_the_database_refuses_a_second_open_alert(shop: World) -> None:
    customer = won(shop.alice)
    now = timezone.now()
    ChurnAlert.objects.create(business_unit=shop.unit, customer=customer, raised_at=now, checked_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChurnAlert.objects.create(business_unit=shop.unit, customer=customer, raised_at=now, checked_at=now,
                                  status=AlertStatus.RETAINING)  # fmt: skip


def test_a_rule_parameter_of_zero_or_less_is_refused_by_field(shop: World) -> None:
    with pytest.raises(ValidationError) as refusal:
        parameters_set(
            actor=shop.root, unit=shop.unit, values={"churn.no_order_months": 0, "churn.no_followup_days": -3}
        )
    assert set(refusal.value.message_dict) == {"churn.no_order_months", "churn.no_followup_days"}


def _alert(shop: World, **kwargs) -> ChurnAlert:
    today = timezone.localdate()
    customer = won(shop.alice, ordered=today - timedelta(days=300), **kwargs)
    services.churn_scan(_at(today))
    return ChurnAlert.objects.get(customer=customer)


def test_retaining_needs_a_measure_and_makes_a_plan_or_a_follow_up(shop: World) -> None:
    alert = _alert(shop)
    with pytest.raises(ValidationError) as refusal:
        services.alert_retain(actor=shop.alice, alert=alert, measure="  ", due_at=timezone.now() + timedelta(days=1))
    assert set(refusal.value.message_dict) == {"measure"}
    assert not Plan.objects.exists()
    with pytest.raises(ValidationError) as refusal:
        services.alert_retain(actor=shop.alice, alert=alert, measure="上门拜访", kind="plan")
    assert set(refusal.value.message_dict) == {"due_at"}
    alert = services.alert_retain(actor=shop.alice, alert=alert, measure="上门拜访，送新品样品",
                                  due_at=timezone.now() + timedelta(days=2))  # fmt: skip
    assert alert.status == AlertStatus.RETAINING
    plan = Plan.objects.get()
    assert plan.customer_id == alert.customer_id and plan.owner_id == shop.alice.pk
    with pytest.raises(Conflict):
        services.alert_retain(actor=shop.alice, alert=alert, measure="again", kind="followup")
    other = _alert(shop)
    services.alert_retain(actor=shop.alice, alert=other, measure="电话沟通了价格", kind="followup")
    assert FollowUp.objects.filter(customer_id=other.customer_id).count() == 1


def test_a_new_order_recovers_the_open_alert(shop: World) -> None:
    from guanxi.sales.orders import services as orders
    from tests.sales.quoting import product

    alert = _alert(shop)
    customer = Customer.objects.get(pk=alert.customer_id)
    lathe = product(shop.root)
    order = orders.order_create(actor=shop.alice, customer=customer, data={},
                                lines=[{"product": lathe.pk, "quantity": 1, "unit_price": Decimal(900)}])  # fmt: skip
    orders.order_confirm(actor=shop.alice, order=order)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RECOVERED
    assert alert.recovered_note.startswith(order.number)
    services.churn_scan(timezone.now())  # the customer ordered today: nothing fires
    assert ChurnAlert.objects.filter(status__in=["warned", "retaining"]).count() == 0


def test_lost_needs_a_reason_then_the_customer_churns_and_an_order_wins_it_again(shop: World) -> None:
    from guanxi.sales.orders import services as orders
    from tests.sales.quoting import product

    alert = _alert(shop)
    with pytest.raises(ValidationError) as refusal:
        services.alert_confirm_lost(actor=shop.alice, alert=alert, reason="")
    assert set(refusal.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError):
        services.alert_confirm_lost(actor=shop.alice, alert=alert, reason="no_such_reason")
    alert = services.alert_confirm_lost(actor=shop.alice, alert=alert, reason="competitor", note="去了竞争对手")
    assert alert.lost_on == timezone.localdate()
    customer = Customer.objects.get(pk=alert.customer_id)
    assert customer.status == Lifecycle.CHURNED
    event = OutboxEvent.objects.get(event="customer.churned")  # for the unit's webhooks
    assert (event.record_id, event.data) == (customer.pk, {"reason": "competitor"})
    lathe = product(shop.root)
    order = orders.order_create(actor=shop.alice, customer=customer, data={},
                                lines=[{"product": lathe.pk, "quantity": 1, "unit_price": Decimal(900)}])  # fmt: skip
    orders.order_confirm(actor=shop.alice, order=order)
    customer.refresh_from_db()
    alert.refresh_from_db()
    assert customer.status == Lifecycle.WON
    assert alert.won_again_on == timezone.localdate()
    notes = list(
        AuditEntry.objects.filter(object_type="customers.customer", object_id=str(customer.pk), action="lifecycle")
        .order_by("at", "pk")
        .values_list("note", flat=True)
    )
    assert notes[-2].startswith("churn_confirmed") and notes[-1].startswith("won_again")


def test_someone_outside_the_scope_cannot_act_on_the_alert(shop: World) -> None:
    alert = _alert(shop)
    with pytest.raises(NotPermitted):
        services.alert_confirm_lost(actor=shop.charlie, alert=alert, reason="price")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.WARNED


def test_the_job_runs_from_the_command_line(shop: World, capsys: pytest.CaptureFixture[str]) -> None:
    won(shop.alice, ordered=timezone.localdate() - timedelta(days=400))
    at = (timezone.now() + timedelta(days=1)).isoformat()
    call_command("jobs", "run", "churn_scan", "--at", at)
    assert ChurnAlert.objects.count() == 1
