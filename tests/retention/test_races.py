"""Races decided by PostgreSQL: concurrent churn sweeps raise one open alert a customer (the partial unique
index) and tell each owner of it once; two people closing one alert at once close it once; concurrent care
sweeps plan each occasion once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from guanxi.activities.models import Plan
from guanxi.core.models import AuditEntry
from guanxi.org.models import User
from guanxi.retention import care, services
from guanxi.retention.models import OPEN_STATUSES, ChurnAlert
from tests.activities.test_lock_order import other_connection
from tests.conftest import World
from tests.sales.test_races import at_once

from .conftest import moment, won

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite lets one writer in at a time; the races are decided on PostgreSQL",
    ),
]


def test_four_sweeps_at_once_raise_one_open_alert_per_customer(shop: World) -> None:
    today = timezone.localdate()
    customers = [won(shop.alice, ordered=today - timedelta(days=300), followed=today - timedelta(days=90))
                 for _n in range(12)]  # fmt: skip
    at = timezone.now()
    outcomes = at_once(*[lambda: services.churn_scan(at, batch=3) for _n in range(4)])
    assert outcomes == ["done"] * 4
    for customer in customers:
        assert ChurnAlert.objects.filter(customer=customer, status__in=OPEN_STATUSES).count() == 1
    assert AuditEntry.objects.filter(object_type="retention.churnalert", action="create").count() == 12
    alert = ChurnAlert.objects.get(customer=customers[0])
    assert {reason["rule"] for reason in alert.reasons} == {"no_order", "no_followup"}


def test_the_sweep_passes_over_an_alert_another_transaction_holds_instead_of_waiting(shop: World) -> None:
    """The pool's return updates alerts (their owner) in its own order: a sweep that waited for them could
    deadlock with it. It skips the held alert, refreshes the rest and raises no second one."""
    today = timezone.localdate()
    held, free = (won(shop.alice, ordered=today - timedelta(days=300)) for _n in range(2))
    first = timezone.now()
    services.churn_scan(first)
    holder = other_connection()
    holder.execute("SELECT id FROM retention_churnalert WHERE customer_id = %s FOR UPDATE", [held.pk])
    try:
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(services.churn_scan(first + timedelta(days=3)))
            finally:
                connection.close()  # the thread's own connection

        sweep = threading.Thread(target=run)
        sweep.start()
        sweep.join(timeout=30)
        assert outcome, "the sweep waited for the held alert"
    finally:
        holder.close()
    assert ChurnAlert.objects.get(customer=held).checked_at == first
    assert ChurnAlert.objects.get(customer=free).checked_at == first + timedelta(days=3)
    assert ChurnAlert.objects.filter(status__in=OPEN_STATUSES).count() == 2


def test_two_people_closing_one_alert_at_once_close_it_once(shop: World) -> None:
    customer = won(shop.alice, ordered=timezone.localdate() - timedelta(days=300))
    services.churn_scan(timezone.now())
    alert = ChurnAlert.objects.get(customer=customer)

    def lost(pk: int) -> object:
        return lambda: services.alert_confirm_lost(
            actor=User.objects.get(pk=pk), alert=ChurnAlert.objects.get(pk=alert.pk), reason="price"
        )

    def recover(pk: int) -> object:
        return lambda: services.alert_recover(
            actor=User.objects.get(pk=pk), alert=ChurnAlert.objects.get(pk=alert.pk), note="回来了"
        )

    assert sorted(at_once(lost(shop.alice.pk), recover(shop.bob.pk))) == ["Conflict", "done"]  # type: ignore[arg-type]


def test_care_sweeps_at_once_plan_each_occasion_once(shop: World) -> None:
    from guanxi.customers.models import Contact

    today = timezone.localdate()
    for _n in range(5):
        customer = won(shop.alice)
        born = (today + timedelta(days=2)).replace(year=1985)
        Contact.all_objects.filter(customer=customer).update(birthday=born)
    rule = {"name": "生日", "kind": "birthday", "days_ahead": 5, "template": "生日快乐"}
    care.care_rule_create(actor=shop.root, unit=shop.unit, data=rule)
    assert at_once(*[lambda: care.care_scan(moment(today)) for _n in range(3)]) == ["done"] * 3
    assert Plan.objects.count() == 5
