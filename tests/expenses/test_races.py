"""Races decided by the database (PostgreSQL row locks); SQLite lets one writer in at a time."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.collab import tasks  # noqa: F401 (importing the tasks registers the publish_announcements job)
from guanxi.collab.announcements import services as announcements
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification
from guanxi.expenses import services
from guanxi.expenses.models import Expense
from guanxi.org.models import User
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_decide
from tests.conftest import World, grant, make_user
from tests.sales.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_payments_of_one_claim_at_once_pay_it_once(office: World) -> None:
    expense = services.expense_create(
        actor=office.alice, data={"title": "差旅"},
        lines=[{"category": "travel", "spent_on": timezone.localdate(), "amount": Decimal("80")}],
    )  # fmt: skip
    services.expense_submit(actor=office.alice, expense=expense)
    request = ApprovalRequest.objects.get(object_id=str(expense.pk), record_type=services.EXPENSE_APPROVAL)
    approval_decide(actor=office.bob, request=request, approve=True)
    fay = office.fay  # type: ignore[attr-defined]

    def pay(reference: str) -> object:
        return lambda: services.expense_pay(
            actor=User.objects.get(pk=fay.pk), expense=Expense.objects.get(pk=expense.pk), reference=reference
        )

    assert sorted(at_once(pay("A"), pay("B"))) == ["Conflict", "done"]  # type: ignore[arg-type]
    paid = Expense.objects.get(pk=expense.pk)
    assert paid.status == "paid" and paid.payment_reference in ("A", "B")


def test_two_sweeps_at_once_publish_an_announcement_and_tell_its_audience_once(world: World) -> None:
    grant(world.root)
    make_user("dan", "丹", world.shanghai)
    later = timezone.now() + timedelta(hours=1)
    row = announcements.announcement_create(
        actor=world.root, data={"title": "停电通知", "body": "<p>周六停电</p>", "publish_at": later}
    )
    assert at_once(*[lambda: run_job("publish_announcements", at=later)] * 2) == ["done", "done"]
    told = Notification.objects.filter(kind="announcement", object_id=str(row.pk))
    assert told.count() == told.values("recipient").distinct().count() == 4  # Alice, Bob, Charlie, Dan
